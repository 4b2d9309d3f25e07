import { startLambdaInvoke } from "@chat/local/lambda-invoke";
import { startManagementSink } from "@chat/local/management-sink";
import { newMessageState, type ServerFrame } from "@chat/types";
import type { Context } from "aws-lambda";
import { ulid } from "ulid";

// The broadcaster's fan-out and the fan-out workers, as their Lambdas run them: the broadcaster's coordinator is
// called with a message frame; workers run through the local Lambda Invoke emulation (asynchronous invocations,
// at most BENCH_FAN_OUT_CONCURRENCY at once), all posting to the management API named by SST_RESOURCE_Realtime.

// The management API, in this process (the workers' CPU is shared with it, unlike on AWS): a token bucket
// at the account's rate, 20 ms per post, and a count of the posts each connection received.
const sink = await startManagementSink({ latencyMs: 20 });
process.env.SST_RESOURCE_Realtime = JSON.stringify({
  url: "ws://127.0.0.1:1",
  managementEndpoint: sink.endpoint,
  type: "sst.aws.ApiGatewayWebSocket",
});
// SST's Resource takes the environment when it is first imported: the handlers' modules are loaded only now.
const { ConnectionEntity, inRoom } = await import("@chat/core/connection");
const { tableName } = await import("@chat/core/dynamo");
const { fanOut } = await import("@chat/functions/fan-out");
const { broadcastToRoom, fanOutShard, handOn } = await import("@chat/functions/fan-out/shards");
const { handler: worker } = await import("@chat/functions/fan-out/worker");
const { logger } = await import("@chat/functions/observability");
const { createTable } = await import("../lib/table");
// No stream: the broadcaster is called directly here, and a stream would slow seeding (see createTable).
await createTable(tableName(), { stream: false });

export const limits = (next: { rate?: number; burst?: number; latencyMs?: number }) => {
  sink.setLimits(next);
  sink.reset();
};

/** Delivery of the connections `prefix0`..`prefix{count-1}`: each once, none twice, none skipped. */
export const summary = ({ prefix, count }: { prefix: string; count: number }) => {
  let delivered = 0;
  let duplicates = 0;
  // The room's own last post: small rooms' messages sent meanwhile go through the same sink.
  let lastAt = 0;
  for (let i = 0; i < count; i++) {
    const posts = sink.delivered.get(`${prefix}${i}`) ?? 0;
    if (posts > 0) delivered++;
    if (posts > 1) duplicates += posts - 1;
    lastAt = Math.max(lastAt, sink.lastPostAt.get(`${prefix}${i}`) ?? 0);
  }
  const { posts, throttled } = sink.stats;
  // Epoch milliseconds, comparable with `broadcast`'s startedAt.
  return {
    delivered,
    duplicates,
    skipped: count - delivered,
    posts,
    throttled,
    lastAt: performance.timeOrigin + lastAt,
  };
};

const TIMEOUT_MS = 60_000;
const durations: number[] = [];
const lambdaContext = (timeoutMs: number): Context => {
  const deadline = Date.now() + timeoutMs;
  return { getRemainingTimeInMillis: () => deadline - Date.now() } as Context;
};
const lambda = await startLambdaInvoke({
  functions: {
    [process.env.BENCH_WORKER_NAME ?? "bench-fan-out-worker"]: {
      timeoutMs: TIMEOUT_MS,
      invoke: async (event, timeoutMs) => {
        const started = performance.now();
        try {
          await worker(event, lambdaContext(timeoutMs));
        } finally {
          durations.push(performance.now() - started);
        }
      },
    },
  },
  concurrency: Number(process.env.BENCH_FAN_OUT_CONCURRENCY ?? 8),
});
process.env.AWS_ENDPOINT_URL_LAMBDA = lambda.endpoint;

const frame = (roomId: string): ServerFrame => ({
  type: "message",
  message: {
    id: ulid(),
    roomId,
    userId: "host",
    username: "Host",
    text: "a message for a big room",
    createdAt: new Date().toISOString(),
    clientMessageId: null,
    ...newMessageState(),
  },
});

/** Writes `count` connection rows `{prefix}{i}` in the room, in parallel batches; skipped when already there. */
export const seed = async ({ roomId, prefix, count }: { roomId: string; prefix: string; count: number }) => {
  const { data } = await ConnectionEntity.get({ connectionId: `${prefix}${count - 1}`, roomId }).go();
  if (data) return { seeded: 0 };
  const connectedAt = new Date(Date.now() - 60_000).toISOString();
  const expiresAt = Math.floor(Date.now() / 1000) + 24 * 3_600;
  const chunk = 1_000;
  const chunks = Array.from({ length: Math.ceil(count / chunk) }, (_, c) => c);
  let next = 0;
  const writer = async () => {
    while (next < chunks.length) {
      const c = next++;
      const rows = Array.from({ length: Math.min(chunk, count - c * chunk) }, (_, i) => ({
        connectionId: `${prefix}${c * chunk + i}`,
        roomId,
        userId: `user-${c * chunk + i}`,
        username: "Listener",
        connectedAt,
        expiresAt,
      }));
      const { unprocessed } = await ConnectionEntity.put(rows).go({ concurrency: 4 });
      if (unprocessed.length > 0) throw new Error(`${unprocessed.length} rows not written`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, writer));
  return { seeded: count };
};

const cpuMs = (since: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};

/**
 * The broadcaster posting a whole room itself, as it did before shards: the room read in the fan-out's pages of 500
 * (a Query `Limit` of the room's size would make DynamoDB Local load the whole partition into its heap before its
 * 1 MB page cap: 100,000 rows exhaust it), the connections left at its deadline handed to a worker.
 */
const alone = async (roomId: string, deadline: number) => {
  const delivery = await fanOut(roomId, frame(roomId), logger, { deadline });
  return { ...(await handOn(roomId, frame(roomId), delivery, 0, logger)), shards: 0 };
};

/**
 * One message to a room: the coordinator (the broadcaster's share) with a 60 s invocation's deadline, then every
 * worker it started (and their hand-offs) until none runs. `shardSize` null: the broadcaster posts alone.
 */
export const broadcast = async ({ roomId, shardSize }: { roomId: string; shardSize: number | null }) => {
  durations.length = 0;
  const invocationsBefore = lambda.invocations();
  const cpu = process.cpuUsage();
  const startedAt = Date.now();
  const started = performance.now();
  const context = lambdaContext(TIMEOUT_MS);
  const deadline = Date.now() + context.getRemainingTimeInMillis() - 5_000;
  const result =
    shardSize === null
      ? await alone(roomId, deadline)
      : await broadcastToRoom(roomId, frame(roomId), logger, { deadline, shardSize });
  const coordinatorMs = performance.now() - started;
  await lambda.idle();
  return {
    startedAt,
    coordinatorMs,
    shards: result.shards,
    handedOn: result.undelivered.length,
    invocations: lambda.invocations() - invocationsBefore,
    longestWorkerMs: Math.max(0, ...durations),
    cpuMs: cpuMs(cpu),
    failed: lambda.failed.length,
  };
};

/** A small room's message (posted by the broadcaster itself): ms until its last post was answered. */
export const smallRoom = async ({ roomId }: { roomId: string }) => {
  const started = performance.now();
  const result = await broadcastToRoom(roomId, frame(roomId), logger, { deadline: Date.now() + 55_000 });
  return { ms: performance.now() - started, sent: result.sent };
};

/**
 * One worker alone on the room's first `count` connections in the index's order (a shard is such a slice; ids
 * taken by number, `c0`..`c1999`, are spread over the whole index as strings sort, and the audience check would
 * re-read all of it): wall time and CPU.
 */
export const oneWorker = async ({ roomId, count }: { roomId: string; count: number }) => {
  const { connections } = await inRoom(roomId, { limit: count });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await fanOutShard({ roomId, frame: frame(roomId), connections, handoffs: 0 }, logger, {
    deadline: Date.now() + 55_000,
  });
  return { ms: performance.now() - started, cpuMs: cpuMs(cpu), sent: result.sent };
};

export const stop = async () => {
  await lambda.stop();
  await sink.stop();
};
