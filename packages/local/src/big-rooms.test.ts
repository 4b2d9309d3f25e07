import { GetRoomResponse, PresenceResponse } from "@chat/types";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, type TestClient } from "../test/clients";
import { type LocalStack, startLocalStack } from "./stack";

// Big rooms (issue 14): the room's online count kept without reading its rows.
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-big-rooms",
    limits: { subscriptionsPerMinute: 1_000, presenceSettleMs: 0 },
  });
});

afterAll(async () => {
  await stack?.stop();
});

let rooms = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${rooms++}`;

const call = async (method: string, path: string, as: string, body?: unknown) =>
  fetch(`${stack.httpUrl}${path}`, {
    method,
    headers: { "x-user-id": as, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

const online = async (roomId: string) =>
  v.parse(GetRoomResponse, await (await call("GET", `/rooms/${roomId}`, "observer")).json()).online;

const presenceCount = async (roomId: string) =>
  v.parse(PresenceResponse, await (await call("GET", `/rooms/${roomId}/presence`, "observer")).json()).count;

/** Polls until `read` answers `expected` (a `$disconnect` runs after the socket closes), or gives up. */
const settlesAt = async (read: () => Promise<number>, expected: number, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (last !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await read();
  }
  return last;
};

describe("online in GET /rooms/{roomId}", () => {
  it("counts users exactly through concurrent connects, second connections and disconnects", async () => {
    const roomId = unique("occupancy");
    expect((await call("POST", "/rooms", "owner", { roomId })).status).toBe(201);
    const listen = (userId: string) => connectClient(stack.wsUrl, { roomId, userId, username: userId });

    // 24 users, every fourth with two connections, all at once.
    const users = Array.from({ length: 24 }, (_, i) => `user-${i}`);
    const sockets = new Map<string, TestClient[]>();
    await Promise.all(
      users.map(async (userId, i) => {
        const count = i % 4 === 0 ? 2 : 1;
        sockets.set(userId, await Promise.all(Array.from({ length: count }, () => listen(userId))));
      }),
    );
    expect(await online(roomId)).toBe(24);

    // At once: users 0–7 close everything, users 8–15 close one socket (8 and 12 keep their second), 6 newcomers.
    const newcomers: TestClient[] = [];
    await Promise.all([
      ...users.slice(0, 8).flatMap((userId) => (sockets.get(userId) ?? []).map((s) => s.close())),
      ...users.slice(8, 16).map((userId) => sockets.get(userId)?.[0]?.close()),
      ...Array.from({ length: 6 }, async (_, i) => newcomers.push(await listen(`newcomer-${i}`))),
    ]);

    const expected = 24 - 8 - 6 + 6;
    expect(await settlesAt(() => online(roomId), expected)).toBe(expected);
    expect(await presenceCount(roomId)).toBe(expected);
    // It stays there: nothing decrements twice later.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await online(roomId)).toBe(expected);

    await Promise.all([...[...sockets.values()].flat(), ...newcomers].map((s) => s.close()));
    expect(await settlesAt(() => online(roomId), 0)).toBe(0);
  });
});

describe("slow mode on the socket", () => {
  it("answers a second send inside the interval with a rate_limited error frame and retryAfter", async () => {
    const roomId = unique("slow");
    expect((await call("POST", "/rooms", "owner", { roomId })).status).toBe(201);
    const patched = await call("PATCH", `/rooms/${roomId}`, "owner", { slowModeSeconds: 30 });
    expect(patched.status).toBe(200);
    const client = await connectClient(stack.wsUrl, { roomId, userId: "slowpoke", username: "slowpoke" });

    client.socket.send(JSON.stringify({ type: "send", roomId, text: "one", clientMessageId: "one" }));
    await client.waitFor(1, (frame) => frame.type === "ack");
    client.socket.send(JSON.stringify({ type: "send", roomId, text: "two", clientMessageId: "two" }));
    const [refused] = await client.waitFor(1, (frame) => frame.type === "error");
    // The repeat of the accepted send is acknowledged again with its message.
    client.socket.send(JSON.stringify({ type: "send", roomId, text: "one", clientMessageId: "one" }));
    const acks = await client.waitFor(2, (frame) => frame.type === "ack");

    expect(refused).toMatchObject({ type: "error", clientMessageId: "two", error: { code: "rate_limited" } });
    expect(refused?.type === "error" && refused.retryAfter).toBeGreaterThanOrEqual(25);
    expect(refused?.type === "error" && refused.retryAfter).toBeLessThanOrEqual(30);
    expect(acks[1]).toEqual(acks[0]);
    await client.close();
  });
});
