import { Connection, Message } from "@chat/core";
import type { ServerFrame } from "@chat/types";
import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { uniqueId } from "../../test/events";
import { invocationsReceived, postsReceived } from "../../test/fake-management-api";
import { logger } from "../observability";
import { broadcastToRoom, fanOutShard, type Shard } from "./shards";
import { handler as worker } from "./worker";

// Lambda's asynchronous Invoke is AWS itself: the test fake records the shards, and the test runs the worker
// handler on each, as Lambda would. Storage is the real DynamoDB Local.

/** Subscription rows as `$connect` leaves them, a minute old (one batch write: a loaded machine stays quick). */
const connectAll = async (roomId: string, ids: string[]) => {
  const connectedAt = new Date(Date.now() - 60_000).toISOString();
  const expiresAt = Math.floor(Date.now() / 1000) + 3_600;
  const rows = ids.map((connectionId) => ({
    connectionId,
    roomId,
    userId: "u",
    username: "u",
    connectedAt,
    expiresAt,
  }));
  const { unprocessed } = await Connection.ConnectionEntity.put(rows).go();
  expect(unprocessed).toEqual([]);
};

/** A worker invocation's context: a 60 s timeout, as deployed. */
const lambdaContext = { getRemainingTimeInMillis: () => 60_000 } as Context;

const shardsOf = async (roomId: string): Promise<Shard[]> =>
  (await invocationsReceived())
    .map((invocation) => invocation.payload as Shard)
    .filter((payload) => payload.roomId === roomId);

const messageFrame = async (roomId: string, text: string): Promise<ServerFrame> => ({
  type: "message",
  message: (await Message.send({ roomId, userId: "u1", username: "alice", text })).message,
});

const postCounts = async (text: string) => {
  const counts = new Map<string, number>();
  for (const post of await postsReceived()) {
    if (post.data.includes(text)) counts.set(post.connectionId, (counts.get(post.connectionId) ?? 0) + 1);
  }
  return counts;
};

describe("sharded fan-out", () => {
  it("cuts a room over the shard size into slices that workers post, each connection exactly once", async () => {
    const roomId = uniqueId("room");
    const ids = Array.from({ length: 50 }, () => uniqueId("conn"));
    await connectAll(roomId, ids);
    const frame = await messageFrame(roomId, "sharded hello");

    const result = await broadcastToRoom(roomId, frame, logger, {
      deadline: Date.now() + 5_000,
      shardSize: 7,
    });

    expect(result).toMatchObject({ sent: 0, retry: 0, shards: 8 });
    const shards = await shardsOf(roomId);
    expect(shards).toHaveLength(8);
    expect(await postCounts("sharded hello")).toEqual(new Map());
    await Promise.all(shards.map((shard) => worker(shard, lambdaContext)));
    const counts = await postCounts("sharded hello");
    expect([...counts.keys()].sort()).toEqual([...ids].sort());
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
  });

  it("posts a room at the shard size itself, with no worker", async () => {
    const roomId = uniqueId("room");
    const ids = Array.from({ length: 7 }, () => uniqueId("conn"));
    await connectAll(roomId, ids);
    const frame = await messageFrame(roomId, "small hello");

    const result = await broadcastToRoom(roomId, frame, logger, {
      deadline: Date.now() + 5_000,
      shardSize: 7,
    });

    expect(result).toMatchObject({ sent: 7, shards: 0 });
    expect(await shardsOf(roomId)).toEqual([]);
    expect((await postCounts("small hello")).size).toBe(7);
  });

  it("reads the audience when the worker posts: a connection unsubscribed since the room was paged gets nothing", async () => {
    const roomId = uniqueId("room");
    const ids = Array.from({ length: 20 }, () => uniqueId("conn"));
    await connectAll(roomId, ids);
    const frame = await messageFrame(roomId, "after removal");
    await broadcastToRoom(roomId, frame, logger, { deadline: Date.now() + 5_000, shardSize: 5 });
    const [removed = ""] = ids;
    await Connection.ConnectionEntity.delete({ connectionId: removed, roomId }).go();

    await Promise.all((await shardsOf(roomId)).map((shard) => worker(shard, lambdaContext)));

    const counts = await postCounts("after removal");
    expect(counts.has(removed)).toBe(false);
    expect(counts.size).toBe(19);
  });

  it("hands on the connections still queued at the deadline without trying them, and only those", async () => {
    const roomId = uniqueId("room");
    const ids = Array.from({ length: 5 }, () => uniqueId("conn"));
    const frame = await messageFrame(roomId, "too late");
    const connections = ids.map((connectionId) => ({ connectionId, connectedAt: new Date().toISOString() }));

    const result = await fanOutShard({ roomId, frame, connections, handoffs: 0 }, logger, {
      deadline: Date.now() - 1,
    });

    expect(result).toMatchObject({ sent: 0, retry: 0, undelivered: connections });
    expect(await postCounts("too late")).toEqual(new Map());
    const [handoff, ...more] = await shardsOf(roomId);
    expect(more).toEqual([]);
    expect(handoff).toMatchObject({ roomId, connections, handoffs: 1 });
  });

  it("reads connections handed on to it again before posting: one that left the room since gets nothing", async () => {
    const roomId = uniqueId("room");
    const ids = Array.from({ length: 6 }, () => uniqueId("conn"));
    await connectAll(roomId, ids);
    const frame = await messageFrame(roomId, "handed on after removal");
    const connections = (await Connection.inRoom(roomId)).connections;
    const removed = connections[2]?.connectionId ?? "";
    await Connection.ConnectionEntity.delete({ connectionId: removed, roomId }).go();

    const result = await fanOutShard({ roomId, frame, connections, handoffs: 1 }, logger, {
      deadline: Date.now() + 5_000,
    });

    const counts = await postCounts("handed on after removal");
    expect(result).toMatchObject({ sent: 5, unsubscribed: 1, gone: 0, retry: 0, undelivered: [] });
    expect(counts.has(removed)).toBe(false);
    expect(counts.size).toBe(5);
  });

  it("skips a payload that is not a shard instead of failing the invocation", async () => {
    await expect(worker({ roomId: "", frame: { type: "nope" } })).resolves.toBeUndefined();
  });
});
