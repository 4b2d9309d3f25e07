import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ManagementSink, startManagementSink } from "./management-sink";
import { type LocalStack, startLocalStack } from "./stack";

// A reduced big room, end to end on the real stack: HTTP send -> stream poller -> broadcaster -> sharded fan-out
// through the Lambda Invoke emulation -> fan-out workers -> a management API throttled like AWS's account rate.
// The connections are rows without sockets (the sink counts each post per connection id).
const CONNECTIONS = 3_000;
const SHARD_SIZE = 500;
// A small burst: the first wave of posts (4 workers x 100 in flight) is throttled whatever the machine's speed.
const RATE = 1_000;
const BURST = 50;

let stack: LocalStack;
let sink: ManagementSink;

beforeAll(async () => {
  sink = await startManagementSink({ rate: RATE, burst: BURST, latencyMs: 20 });
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-big-room",
    managementEndpoint: sink.endpoint,
    limits: { sendsPerMinute: 1_000, fanOutShardSize: SHARD_SIZE },
    fanOutConcurrency: 4,
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await sink?.stop();
});

/** Writes `count` connection rows in a room, as `$connect` leaves them (a minute old: past the handshake). */
const seed = async (roomId: string, count: number) => {
  // Core reads the table's name from the environment the stack sets: imported once it is running.
  const { ConnectionEntity } = await import("@chat/core/connection");
  const connectedAt = new Date(Date.now() - 60_000).toISOString();
  const expiresAt = Math.floor(Date.now() / 1000) + 3_600;
  const rows = Array.from({ length: count }, (_, i) => ({
    connectionId: `conn-${String(i).padStart(6, "0")}`,
    roomId,
    userId: `user-${i}`,
    username: `User ${i}`,
    connectedAt,
    expiresAt,
  }));
  const batches = Array.from({ length: Math.ceil(count / 500) }, (_, i) =>
    rows.slice(i * 500, i * 500 + 500),
  );
  await Promise.all(
    batches.map(async (batch) => {
      const { unprocessed } = await ConnectionEntity.put(batch).go();
      expect(unprocessed).toEqual([]);
    }),
  );
  return rows.map((row) => row.connectionId);
};

const send = async (roomId: string, text: string) => {
  const response = await fetch(`${stack.httpUrl}/rooms/${roomId}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId: "host", username: "Host", text }),
  });
  expect(response.status).toBe(201);
};

const until = async (condition: () => boolean, timeoutMs: number) => {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not done after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe("a big room", () => {
  it("reaches all 3,000 connections exactly once, in shards, through a throttling management API", async () => {
    const ids = await seed("big-room", CONNECTIONS);
    sink.reset();
    const invocationsBefore = stack.fanOut.invocations();
    const started = performance.now();

    await send("big-room", "to everyone");

    await until(() => sink.delivered.size === CONNECTIONS, 240_000);
    const elapsed = performance.now() - started;
    await stack.fanOut.idle();
    // Settle: a duplicate would show up as a second post.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect([...sink.delivered.keys()].sort()).toEqual(ids);
    expect([...sink.delivered.values()].filter((count) => count !== 1)).toEqual([]);
    expect(sink.stats.throttled).toBeGreaterThan(0);
    expect(stack.fanOut.invocations() - invocationsBefore).toBeGreaterThanOrEqual(CONNECTIONS / SHARD_SIZE);
    expect(stack.fanOut.failed).toEqual([]);
    const floor = ((CONNECTIONS - BURST) / RATE) * 1000;
    console.log(
      `big room: ${CONNECTIONS} connections in ${Math.round(elapsed)} ms (floor ${floor} ms at ${RATE}/s), ` +
        `${sink.stats.throttled} posts throttled and retried, ${stack.fanOut.invocations() - invocationsBefore} worker invocations`,
    );
  }, 300_000);
});
