import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resourceEnvironment } from "@chat/core/resources";
import { POST_CONCURRENCY } from "@chat/functions/management-api";
import { startHost } from "../lib/host";
import { type BenchContext, ms, type ScenarioResult, times } from "../lib/scenario";
import { quantile, round, summarize } from "../lib/stats";
import { storageEnvironment } from "../lib/storage";
import { hostEnvironment } from "../lib/table";

const ROOM = "bench-broadcast";
const ANSWER_MS = 20;

/** A management API that answers every post after 20 ms, and counts how many it holds at once. */
const slowManagementApi = async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let posts = 0;
  const sockets = new Set<unknown>();
  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    req.resume();
    req.on("end", () =>
      setTimeout(() => {
        inFlight--;
        posts++;
        res.writeHead(200).end();
      }, ANSWER_MS),
    );
  });
  server.on("connection", (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    take: () => {
      const seen = { posts, maxInFlight, sockets: sockets.size };
      posts = 0;
      maxInFlight = 0;
      return seen;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

/**
 * The broadcaster's Lambda alone, delivering one message to a room's connections through a management API that
 * takes 20 ms per post: ours posts with bounded concurrency; the baseline posts one at a time.
 */
export const run = async (context: BenchContext): Promise<ScenarioResult> => {
  const size = context.smoke ? 50 : 1_000;
  const rounds = context.smoke ? 2 : 4;
  // The baseline takes size x 20 ms: ours runs several times per baseline run, for a p99 worth the name.
  const oursPerRound = context.smoke ? 2 : 5;
  const progress = context.progress(`broadcaster to ${size} connections, 20 ms management API`);
  const api = await slowManagementApi();
  const host = await startHost(
    new URL("../hosts/broadcaster.ts", import.meta.url),
    hostEnvironment(storageEnvironment(context.dynamoEndpoint, "bench-broadcaster", "bench"), {
      ...resourceEnvironment("bench", {
        Realtime: { url: "ws://127.0.0.1:1", managementEndpoint: api.endpoint },
      }),
    }),
  );
  const ours: number[] = [];
  const baseline: number[] = [];
  const oursCpu: number[] = [];
  const baselineCpu: number[] = [];
  let maxInFlight = 0;
  let sockets = 0;
  try {
    await host.call("seed", { roomId: ROOM, count: size });
    const deliver = async (command: "broadcast" | "oneAtATime", into: number[], cpuInto: number[]) => {
      api.take();
      const { ms, cpuMs } = await host.call<{ ms: number; cpuMs: number }>(command, { roomId: ROOM });
      into.push(ms);
      cpuInto.push(cpuMs);
      const seen = api.take();
      if (seen.posts !== size) throw new Error(`${command} made ${seen.posts} posts, expected ${size}`);
      if (command === "broadcast") {
        maxInFlight = Math.max(maxInFlight, seen.maxInFlight);
        sockets = Math.max(sockets, seen.sockets);
      }
    };
    await deliver("broadcast", [], []);
    for (let r = 0; r < rounds; r++) {
      const oursBatch = async () => {
        for (let i = 0; i < oursPerRound; i++) await deliver("broadcast", ours, oursCpu);
      };
      if (r % 2 === 0) {
        await deliver("oneAtATime", baseline, baselineCpu);
        await oursBatch();
      } else {
        await oursBatch();
        await deliver("oneAtATime", baseline, baselineCpu);
      }
      progress.update(`round ${r + 1}/${rounds}`);
    }
  } finally {
    progress.done();
    await host.stop();
    await api.close();
  }
  const [o, b] = [summarize(ours), summarize(baseline)];
  const speedup = b.median / o.median;
  return {
    rows: [
      {
        scenario: `broadcaster, ${size} connections, management API answering in ${ANSWER_MS} ms`,
        ours: `p50 ${ms(o.median)}, p99 ${ms(o.p99)} (${maxInFlight} in flight, CPU ${ms(quantile(oursCpu, 0.5))})`,
        baseline: `p50 ${ms(b.median)}, p99 ${ms(b.p99)} (one at a time)`,
        ratio: `${times(speedup)} faster`,
        target: ">= 40x faster",
        met: speedup >= 40,
      },
    ],
    data: {
      connections: size,
      answerMs: ANSWER_MS,
      postConcurrency: POST_CONCURRENCY,
      maxInFlight,
      socketsOpened: sockets,
      oursMs: { median: round(o.median), p99: round(o.p99), n: o.n },
      baselineMs: { median: round(b.median), p99: round(b.p99), n: b.n },
      // CPU time of the broadcaster's process per delivery: what bounds ours once the 20 ms waits overlap.
      oursCpuMs: round(quantile(oursCpu, 0.5)),
      baselineCpuMs: round(quantile(baselineCpu, 0.5)),
      speedup: round(speedup, 1),
    },
    notes: [
      `broadcaster: the stream handler alone in its own process, with a stream event for a room of ${size} ` +
        `connection rows, posting to a local HTTP server that answers each post after ${ANSWER_MS} ms; baseline = ` +
        "the same page reads, then one await per post (the old broadcaster's loop), with the same SDK client. " +
        `${rounds} baseline runs, ${oursPerRound} of ours next to each, alternating order; ratio = baseline p50 / ` +
        `ours p50. POST_CONCURRENCY is ${POST_CONCURRENCY}; the server saw at most ${maxInFlight} posts at once ` +
        `over ${sockets} sockets.`,
    ],
  };
};
