import type { ServerFrame } from "@chat/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, refusedHandshake, type TestClient } from "../test/clients";
import { type LocalStack, startLocalStack } from "./stack";

// The caps must hold under real concurrency: many frames on one socket, many handshakes of one user at once.
let stack: LocalStack;
const SETTLE_MS = 500;

beforeAll(async () => {
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-caps",
    // Rate limits out of the way: the caps themselves are under test.
    limits: {
      framesPerMinute: 10_000,
      subscriptionsPerMinute: 10_000,
      connectionsPerUser: 10,
      presenceSettleMs: SETTLE_MS,
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

const unique = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const answers = (roomId: string) => (frame: ServerFrame) =>
  (frame.type === "subscribed" || frame.type === "unsubscribed" || frame.type === "error") &&
  "roomId" in frame &&
  frame.roomId === roomId;

describe("caps under concurrency", () => {
  it("keeps a connection at 20 rooms when 40 subscribes arrive at once", async () => {
    const base = unique("many");
    const client = await connectClient(stack.wsUrl, { roomId: `${base}-home`, userId: base, username: "m" });
    const rooms = Array.from({ length: 40 }, (_, i) => `${base}-${i}`);

    for (const roomId of rooms) client.socket.send(JSON.stringify({ type: "subscribe", roomId }));
    await client.waitFor(40, (frame) => frame.type === "subscribed" || frame.type === "error", 30_000);

    const subscribed = client.frames.filter((frame) => frame.type === "subscribed");
    const refused = client.frames.filter((frame) => frame.type === "error");
    expect(subscribed).toHaveLength(19);
    expect(refused).toHaveLength(21);
    expect(refused.every((frame) => frame.type === "error" && frame.error.code === "forbidden")).toBe(true);
    // Unsubscribing frees a place.
    const [first] = subscribed;
    if (first?.type !== "subscribed") throw new Error("no subscription");
    client.socket.send(JSON.stringify({ type: "unsubscribe", roomId: first.roomId }));
    await client.waitFor(1, (frame) => frame.type === "unsubscribed", 10_000);
    client.socket.send(JSON.stringify({ type: "subscribe", roomId: `${base}-again` }));
    await client.waitFor(1, answers(`${base}-again`), 10_000);
    expect(client.frames.at(-1)).toMatchObject({ type: "subscribed", roomId: `${base}-again` });
    await client.close();
  });

  it("opens at most 10 connections of one user when 25 handshakes arrive at once", async () => {
    const userId = unique("crowd");
    const query = { roomId: "crowd", userId, username: "c" };

    const results = await Promise.allSettled(
      Array.from({ length: 25 }, () => connectClient(stack.wsUrl, query)),
    );

    const open = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const refused = results.filter((r) => r.status === "rejected");
    expect(open).toHaveLength(10);
    expect(refused.map((r) => String(r.reason))).toEqual(Array(15).fill("Error: handshake refused: 429"));
    // Closing one frees its place (once `$disconnect` has run).
    await open[0]?.close();
    const next = await waitFor(() => connectClient(stack.wsUrl, query).catch(() => null));
    expect((await refusedHandshake(stack.wsUrl, new URLSearchParams(query).toString())).status).toBe(429);
    await Promise.all([...open.slice(1), next].map((client) => client.close()));
  });
});

describe("ghost connections", () => {
  it("frees the places of connections API Gateway no longer knows before refusing a user at the cap", async () => {
    const userId = unique("haunted");
    const roomId = unique("haunted-room");
    // Ten connections counted for the user that the gateway never completed (as after aborted handshakes on AWS),
    // older than the handshake grace period.
    const { Connection } = await import("@chat/core");
    const ghosts = Array.from({ length: 10 }, (_, i) => `ghost-${i}-${userId}`);
    for (const connectionId of ghosts) {
      await Connection.connect({ connectionId, roomId, userId, username: "h", maxConnections: 10 });
      await Connection.UserConnectionEntity.patch({ userId, connectionId })
        .set({ connectedAt: new Date(Date.now() - 60_000).toISOString() })
        .go();
    }

    const client = await connectClient(stack.wsUrl, { roomId, userId, username: "h" });

    const counted = (await Connection.ofUser(userId)).map((c) => c.connectionId);
    expect(counted).toHaveLength(1);
    expect(ghosts.filter((ghost) => counted.includes(ghost))).toEqual([]);
    expect((await Connection.inRoom(roomId)).connections).toHaveLength(1);
    await client.close();
  });
});

describe("presence under flapping", () => {
  it("tells a room of 6 of one join and one leave when a user flaps a subscription 30 times", async () => {
    const roomId = unique("flap");
    const others = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        connectClient(stack.wsUrl, { roomId, userId: `${roomId}-o${i}`, username: "o" }),
      ),
    );
    const flapper = await connectClient(stack.wsUrl, {
      roomId: `${roomId}-lobby`,
      userId: `${roomId}-f`,
      username: "f",
    });

    for (let i = 0; i < 30; i++) {
      const type = i % 2 === 0 ? "subscribe" : "unsubscribe";
      flapper.socket.send(JSON.stringify({ type, roomId }));
      await flapper.waitFor(i + 1, answers(roomId), 10_000);
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 1_500));

    const about = (client: TestClient) =>
      client.frames.flatMap((frame) =>
        frame.type === "presence" && frame.userId === `${roomId}-f` ? [frame.event] : [],
      );
    for (const other of others) expect(about(other)).toEqual(["join", "leave"]);
    const presence = (await (await fetch(`${stack.httpUrl}/rooms/${roomId}/presence`)).json()) as {
      users: { userId: string }[];
    };
    expect(presence.users.map((m) => m.userId)).not.toContain(`${roomId}-f`);
    await Promise.all([...others, flapper].map((client) => client.close()));
  });

  it("announces nothing when a user reconnects within the settle time", async () => {
    const roomId = unique("reconnect");
    const watcher = await connectClient(stack.wsUrl, { roomId, userId: `${roomId}-w`, username: "w" });
    const query = { roomId, userId: `${roomId}-r`, username: "r" };
    const first = await connectClient(stack.wsUrl, query);
    await watcher.waitFor(1, (frame) => frame.type === "presence");

    await first.close();
    const second = await connectClient(stack.wsUrl, query);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 1_500));

    expect(
      watcher.frames
        .filter((frame) => frame.type === "presence")
        .map((f) => f.type === "presence" && f.event),
    ).toEqual(["join"]);
    await Promise.all([watcher.close(), second.close()]);
  });
});

/** Retries `attempt` until it gives a value (about 5 s at most). */
const waitFor = async <T>(attempt: () => Promise<T | null>): Promise<T> => {
  for (let i = 0; i < 50; i++) {
    const value = await attempt();
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("gave up waiting");
};
