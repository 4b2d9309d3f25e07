import {
  GetMessagesResponse,
  HealthResponse,
  ListRoomsResponse,
  PresenceResponse,
  SendMessageResponse,
} from "@chat/types";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, isMessage, rawHandshake, refusedHandshake } from "../test/clients";
import { type LocalStack, startLocalStack } from "./stack";

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ httpPort: 0, wsPort: 0, tableName: "chat-e2e" });
});

afterAll(async () => {
  await stack?.stop();
});

const post = (roomId: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${stack.httpUrl}/rooms/${roomId}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    ...init,
  });

const history = async (roomId: string) =>
  v.parse(
    GetMessagesResponse,
    await (await fetch(`${stack.httpUrl}/rooms/${roomId}/messages?limit=100`)).json(),
  );

describe("the local stack, end to end", () => {
  it("pushes each message to every client of its room, once, in id order, matching history", async () => {
    const [lobby, games] = [`lobby-${Date.now()}`, `games-${Date.now()}`];
    const alice = await connectClient(stack.wsUrl, { roomId: lobby, userId: "alice", username: "Alice" });
    const bob = await connectClient(stack.wsUrl, { roomId: lobby, userId: "bob", username: "Bob" });
    const carol = await connectClient(stack.wsUrl, { roomId: games, userId: "carol", username: "Carol" });

    const sent: Record<string, string[]> = { [lobby]: [], [games]: [] };
    for (let i = 0; i < 12; i++) {
      const roomId = i % 3 === 2 ? games : lobby;
      const response = await post(roomId, { userId: "poster", username: "Poster", text: `message ${i}` });
      expect(response.status).toBe(201);
      sent[roomId]?.push(v.parse(SendMessageResponse, await response.json()).message.id);
    }

    await Promise.all([alice.waitFor(8, isMessage), bob.waitFor(8, isMessage), carol.waitFor(4, isMessage)]);
    // A moment for any duplicate or stray frame to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const received = (client: typeof alice) => client.frames.filter(isMessage).map((frame) => frame.message);
    const ids = (client: typeof alice) => received(client).map((message) => message.id);
    expect(ids(alice)).toEqual(sent[lobby]);
    expect(ids(bob)).toEqual(sent[lobby]);
    expect(ids(carol)).toEqual(sent[games]);
    expect(sent[lobby]).toEqual([...(sent[lobby] ?? [])].sort());
    expect((await history(lobby)).messages).toEqual(received(alice));
    expect((await history(games)).messages).toEqual(received(carol));
    await Promise.all([alice.close(), bob.close(), carol.close()]);
  });

  it("prunes a connection API Gateway no longer knows at the next broadcast", async () => {
    const roomId = `prune-${Date.now()}`;
    // A row left behind by a connection whose $disconnect never ran (a killed client on AWS).
    const { Connection } = await import("@chat/core");
    await Connection.ConnectionEntity.put({
      connectionId: "killed-client=",
      roomId,
      userId: "ghost",
      username: "Ghost",
      connectedAt: new Date(Date.now() - 60_000).toISOString(),
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    }).go();
    const listener = await connectClient(stack.wsUrl, { roomId, userId: "live", username: "Live" });

    await post(roomId, { userId: "u1", username: "alice", text: "who is here?" });
    await listener.waitFor(1, isMessage);

    const remaining = await waitUntil(async () => {
      const { connections } = await Connection.inRoom(roomId);
      return connections.length === 1 ? connections : null;
    });
    expect(remaining.map((c) => c.connectionId)).not.toContain("killed-client=");
    await listener.close();
  });

  it("removes a client's connection when its socket closes", async () => {
    const roomId = `closing-${Date.now()}`;
    const { Connection } = await import("@chat/core");
    const client = await connectClient(stack.wsUrl, { roomId, userId: "u1", username: "alice" });
    expect((await Connection.inRoom(roomId)).connections).toHaveLength(1);

    client.socket.terminate();

    await waitUntil(async () => ((await Connection.inRoom(roomId)).connections.length === 0 ? true : null));
  });

  it("runs $disconnect for a handshake that fails after $connect, so 11 of them hold no slot and show in no presence", async () => {
    const roomId = `ghosts-${Date.now()}`;
    const members = async (room: string) =>
      v.parse(PresenceResponse, await (await fetch(`${stack.httpUrl}/rooms/${room}/presence`)).json()).users;

    // `$connect` runs (and says yes) before the upgrade itself checks the key, which then fails with 400.
    for (let i = 0; i < 11; i++) {
      const status = await rawHandshake(
        stack.wsUrl,
        `roomId=${roomId}&userId=ghost&username=Ghost`,
        "not-a-key",
      );
      expect(status).toBe(400);
      await waitUntil(async () => ((await members(roomId)).length === 0 ? true : null));
    }
    const real = await connectClient(stack.wsUrl, {
      roomId: `${roomId}-b`,
      userId: "ghost",
      username: "Real",
    });

    expect(await members(roomId)).toEqual([]);
    expect((await members(`${roomId}-b`)).map((member) => member.username)).toEqual(["Real"]);
    await real.close();
  });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty"])(
    "ignores a query key named %s, on the handshake and on HTTP, as any unknown key",
    async (key) => {
      const roomId = `proto-${key.replace(/\W/g, "")}-${Date.now()}`;

      const client = await connectClient(stack.wsUrl, {
        roomId,
        userId: "u1",
        username: "proto",
        [key]: "1",
      });
      const refused = await refusedHandshake(stack.wsUrl, `roomId=${roomId}&${key}=1`);
      const sent = await fetch(`${stack.httpUrl}/rooms/${roomId}/messages?${key}=1`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId: "u1", username: "proto", text: "hi" }),
      });
      const read = await fetch(`${stack.httpUrl}/rooms/${roomId}/messages?${key}=1&${key}=2`);

      expect(client.socket.readyState).toBe(client.socket.OPEN);
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.body)).toMatchObject({ code: "validation_failed" });
      expect(sent.status).toBe(201);
      expect(read.status).toBe(200);
      expect(v.parse(GetMessagesResponse, await read.json()).messages).toHaveLength(1);
      await client.close();
    },
  );

  it("answers ping with pong and a bad frame with an error frame, keeping the socket open", async () => {
    const client = await connectClient(stack.wsUrl, { userId: "u1", username: "alice" });

    client.socket.send("not json");
    client.socket.send(JSON.stringify({ type: "ping" }));

    const [error] = await client.waitFor(1, (frame) => frame.type === "error");
    await client.waitFor(1, (frame) => frame.type === "pong");
    expect(error).toMatchObject({ type: "error", error: { code: "invalid_json" } });
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    await client.close();
  });

  describe("answers bad requests with the documented errors", () => {
    it.each([
      ["bad JSON", () => post("general", undefined, { body: "{oops" }), 400, "invalid_json"],
      [
        "a bad body",
        () => post("general", { userId: "u1", username: "", text: "hi" }),
        400,
        "validation_failed",
      ],
      [
        "a bad room",
        () => post("Bad Room", { userId: "u1", username: "a", text: "hi" }),
        400,
        "validation_failed",
      ],
      [
        "an oversized body",
        () => post("general", { userId: "u1", username: "a", text: "x".repeat(17 * 1024) }),
        413,
        "payload_too_large",
      ],
      ["an unknown route", () => fetch(`${stack.httpUrl}/nope`), 404, "not_found"],
      [
        "a known path with another method",
        () => fetch(`${stack.httpUrl}/health`, { method: "DELETE" }),
        404,
        "not_found",
      ],
      [
        "a bad query",
        () => fetch(`${stack.httpUrl}/rooms/general/messages?limit=0`),
        400,
        "validation_failed",
      ],
    ])("%s", async (_, request, status, code) => {
      const response = await request();

      expect(response.status).toBe(status);
      expect(response.headers.get("x-request-id")).toBeTruthy();
      expect(await response.json()).toMatchObject({ code });
    });

    it.each([
      ["no identity", "roomId=general"],
      ["a bad room", "roomId=no%20spaces&userId=u1&username=a"],
      ["a repeated parameter", "userId=u1&userId=u2&username=a"],
    ])("refuses a handshake with %s with 400", async (_, query) => {
      const { status, body } = await refusedHandshake(stack.wsUrl, query);

      expect(status).toBe(400);
      expect(JSON.parse(body)).toMatchObject({ code: "validation_failed" });
    });
  });

  it("serves health and the room list", async () => {
    const health = v.parse(HealthResponse, await (await fetch(`${stack.httpUrl}/health`)).json());
    const { rooms } = v.parse(ListRoomsResponse, await (await fetch(`${stack.httpUrl}/rooms`)).json());

    expect(health).toMatchObject({ status: "ok", stage: "local" });
    expect(rooms.map((room) => room.roomId)).toContain("general");
  });
});

const waitUntil = async <T>(probe: () => Promise<T | null>, timeoutMs = 5_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
