import { loadavg } from "node:os";
import { resourceEnvironment } from "@chat/core/resources";
import { SHARD_SIZE } from "@chat/functions/fan-out/shards";
import { type Host, startHost } from "../lib/host";
import { type BenchContext, ms, type ScenarioResult, times } from "../lib/scenario";
import { quantile, round } from "../lib/stats";
import { storageEnvironment } from "../lib/storage";
import { hostEnvironment } from "../lib/table";

const ANSWER_MS = 20;
const WORKERS = 8;
const WORKER_NAME = "bench-fan-out-worker";

interface Broadcast {
  startedAt: number;
  coordinatorMs: number;
  shards: number;
  handedOn: number;
  invocations: number;
  longestWorkerMs: number;
  cpuMs: number;
  failed: number;
}
interface Summary {
  delivered: number;
  duplicates: number;
  skipped: number;
  posts: number;
  throttled: number;
  lastAt: number;
}

const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;

/**
 * One message to rooms of 1,000, 10,000 and 100,000 connection rows through a management API that throttles like
 * AWS's account rate (token bucket, 429 LimitExceededException) and answers in 20 ms: sharded (the broadcaster cuts
 * the room, fan-out workers post the shards) against the broadcaster posting alone. The rate is the highest this
 * machine can feed: 70% of what one process posts unthrottled (all local workers share one Node.js process).
 */
export const run = async (context: BenchContext): Promise<ScenarioResult> => {
  // BENCH_BIG_ROOM_SIZES=1000,10000 for a shorter run (a loaded machine posts a few hundred per second).
  const sizes = context.smoke
    ? [1_000]
    : (process.env.BENCH_BIG_ROOM_SIZES?.split(",").map(Number) ?? [1_000, 10_000, 100_000]);
  const progress = context.progress("big rooms");
  let host: Host | undefined;
  const rows: ScenarioResult["rows"] = [];
  const data: Record<string, unknown> = {};
  const loads: number[] = [loadavg()[0] ?? 0];
  try {
    host = await startHost(
      new URL("../hosts/big-room.ts", import.meta.url),
      hostEnvironment(storageEnvironment(context.dynamoEndpoint, "bench-big-room", "bench"), {
        ...resourceEnvironment("bench", {
          FanOutWorker: { name: WORKER_NAME },
        }),
        BENCH_WORKER_NAME: WORKER_NAME,
        BENCH_FAN_OUT_CONCURRENCY: String(WORKERS),
        LOG_LEVEL: "warn",
      }),
    );
    const call = <T>(command: string, args?: unknown) => (host as Host).call<T>(command, args);
    const largest = sizes.at(-1) ?? 1_000;
    for (const size of sizes) {
      progress.update(`seeding ${size} connection rows`);
      await call("seed", { roomId: `big-${size}`, prefix: `c${size}-`, count: size });
    }
    await call("seed", { roomId: "small-room", prefix: "small-", count: 10 });

    // Posting speed of one worker, unthrottled: it sets the rate this machine can feed.
    progress.update("one worker, unthrottled");
    const perWorker: { ms: number; cpuMs: number; sent: number }[] = [];
    for (let i = 0; i < 3; i++) {
      perWorker.push(await call("oneWorker", { roomId: `big-${largest}`, count: SHARD_SIZE }));
    }
    const postsPerSecond = quantile(
      perWorker.map((run) => (run.sent / run.ms) * 1000),
      0.5,
    );
    const cpuPer1000 = quantile(
      perWorker.map((run) => (run.cpuMs / run.sent) * 1000),
      0.5,
    );
    const rate = Math.min(10_000, Math.max(200, Math.floor((postsPerSecond * 0.7) / 100) * 100));
    const burst = rate / 2;
    await call("limits", { rate, burst, latencyMs: ANSWER_MS });

    const idle: number[] = [];
    for (let i = 0; i < 5; i++)
      idle.push((await call<{ ms: number }>("smallRoom", { roomId: "small-room" })).ms);

    const measure = async (size: number, shardSize: number | null, during?: number[]) => {
      await call("limits", { rate, burst, latencyMs: ANSWER_MS });
      const running = call<Broadcast>("broadcast", { roomId: `big-${size}`, shardSize });
      if (during) {
        // Small-room messages while the big room's broadcast runs (they share the account's rate, as on AWS).
        for (let i = 0; i < 5; i++) {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          during.push((await call<{ ms: number }>("smallRoom", { roomId: "small-room" })).ms);
        }
      }
      const result = await running;
      const summary = await call<Summary>("summary", { prefix: `c${size}-`, count: size });
      loads.push(loadavg()[0] ?? 0);
      return { ...result, ...summary, elapsedMs: summary.lastAt - result.startedAt };
    };

    for (const size of sizes) {
      const floor = (size / rate) * 1000;
      const during: number[] = [];
      progress.update(`${size} connections, sharded`);
      const sharded = await measure(size, SHARD_SIZE, size === largest ? during : undefined);
      progress.update(`${size} connections, not sharded`);
      const single = size === largest ? await measure(size, null) : undefined;
      const longest = Math.max(sharded.coordinatorMs, sharded.longestWorkerMs);
      const ratio = sharded.elapsedMs / floor;
      rows.push({
        scenario: `big room, 1 message to ${size.toLocaleString("en")} connections, account rate ${rate}/s (burst ${burst}), posts answered in ${ANSWER_MS} ms`,
        ours:
          `${seconds(sharded.elapsedMs)} (floor ${seconds(floor)}); ${sharded.shards} shards, ${sharded.invocations} invocations; ` +
          `dup ${sharded.duplicates}, skipped ${sharded.skipped}; longest invocation ${seconds(longest)}`,
        baseline: single
          ? `${seconds(single.elapsedMs)}; dup ${single.duplicates}, skipped ${single.skipped}; longest invocation ${seconds(Math.max(single.coordinatorMs, single.longestWorkerMs))} (broadcaster alone)`
          : "-",
        ratio: `${times(ratio)} the floor`,
        target: "<= 1.25x N/rate, 0 dup, 0 skipped, every invocation <= 60 s",
        met: ratio <= 1.25 && sharded.duplicates === 0 && sharded.skipped === 0 && longest <= 60_000,
      });
      data[`connections${size}`] = { floorMs: round(floor), sharded, ...(single && { single }) };
      if (size === largest) {
        const [d, i] = [quantile(during, 0.5), quantile(idle, 0.5)];
        rows.push({
          scenario: `small room (10 connections) message while the ${size.toLocaleString("en")}-connection broadcast runs`,
          ours: `p50 ${ms(d)}, max ${ms(Math.max(...during))}`,
          baseline: `p50 ${ms(i)} idle`,
          ratio: times(d / i),
          target: "report (same account rate: posts wait for tokens)",
          met: null,
        });
        data.smallRoomMs = { during: during.map((v) => round(v)), idle: idle.map((v) => round(v)) };
      }
    }
    rows.push({
      scenario: `one fan-out worker, ${SHARD_SIZE} connections, unthrottled, ${ANSWER_MS} ms answers`,
      ours: `${Math.round(postsPerSecond)} posts/s, CPU ${ms(cpuPer1000)} per 1,000 posts`,
      baseline: "-",
      ratio: `${Math.ceil(10_000 / postsPerSecond)} workers reach 10,000/s`,
      target: "report",
      met: null,
    });
    data.oneWorker = {
      runs: perWorker,
      postsPerSecond: round(postsPerSecond),
      cpuMsPer1000: round(cpuPer1000),
    };
    data.rate = { rate, burst, answerMs: ANSWER_MS, workers: WORKERS, shardSize: SHARD_SIZE };
    data.loadAverage = loads.map((load) => round(load, 1));
  } finally {
    progress.done();
    await host?.stop();
  }
  return {
    rows,
    data,
    notes: [
      `big room: connection rows seeded once into DynamoDB Local (no sockets); the management API (in the workers' ` +
        `process) has a token bucket (rate = 70% of one worker process's unthrottled posts/s, burst rate/2; 429 ` +
        `LimitExceededException above it) answering in ${ANSWER_MS} ms and counting posts per connection. The ` +
        `broadcaster's coordinator and the fan-out workers (${WORKERS} at once through the Lambda Invoke emulation) ` +
        "share one Node.js process here (on AWS each invocation has its own CPU). Time = from the coordinator's " +
        "start to the last post answered; floor = N / rate. Baseline = the broadcaster posting the room alone " +
        `(shard size unbounded). Load average (1 min) during the runs: ${loads.map((l) => l.toFixed(1)).join(", ")}.`,
    ],
  };
};
