import { execFileSync } from "node:child_process";
import { Connection } from "@chat/core";
import { newMessageState } from "@chat/types";
import { drainStream } from "../lib/drain";
import { httpClient, postMessage } from "../lib/http";
import { arrivals, type Listener, listen } from "../lib/listener";
import { type BenchContext, ms, type ScenarioResult, times } from "../lib/scenario";
import { interleave, quantile, round, summarize } from "../lib/stats";

const ROOM = "bench-fan-out";

const openFiles = (): number => {
  try {
    return Number(execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim());
  } catch {
    return Number.POSITIVE_INFINITY;
  }
};

/**
 * One message to every connection of a room: ours is a POST until the last of the room's sockets has the frame
 * (stream poller, broadcaster reading the room's connections, one management API call per connection); the baseline
 * is the stack's own `ws` server writing the same frame to the same sockets directly.
 */
export const run = async (context: BenchContext): Promise<ScenarioResult> => {
  const { httpUrl, wsUrl } = context;
  const size = context.smoke ? 50 : 1_000;
  const rounds = context.smoke ? 2 : 20;
  // Each socket is a file descriptor here and another in the stack's process.
  if (openFiles() < size + 200) {
    throw new Error(`fan-out opens ${size} sockets: raise the open file limit (ulimit -n ${size + 1_000})`);
  }
  const progress = context.progress(`fan-out to ${size} sockets`);
  await drainStream(context);
  const frames = arrivals();
  const listeners: Listener[] = [];
  const client = httpClient(1);
  const ours: number[] = [];
  const baseline: number[] = [];
  let sequence = 0;
  try {
    for (let i = 0; i < size; i += 50) {
      const batch = Array.from({ length: Math.min(50, size - i) }, (_, j) =>
        listen(wsUrl, { roomId: ROOM, userId: `fan-${i + j}`, username: `Fan ${i + j}` }, frames.arrive),
      );
      listeners.push(...(await Promise.all(batch)));
      progress.update(`${listeners.length}/${size} sockets open`);
    }
    const post = async () => {
      const text = `fan-out ${sequence++}`;
      const last = frames.expect(text, size, 30_000);
      const started = performance.now();
      await postMessage(client, httpUrl, ROOM, { userId: "fan-poster", username: "Poster", text });
      return (await last) - started;
    };
    const raw = async () => {
      const text = `fan-out ${sequence++}`;
      const frame = JSON.stringify({
        type: "message",
        message: {
          id: "01KBENCHRAW000000000000000",
          roomId: ROOM,
          userId: "fan-poster",
          username: "Poster",
          text,
          createdAt: new Date().toISOString(),
          clientMessageId: null,
          ...newMessageState(),
        },
      });
      const last = frames.expect(text, size, 30_000);
      const started = performance.now();
      const reached = await context.sendToAll(frame);
      if (reached !== size) throw new Error(`the stack holds ${reached} sockets, expected ${size}`);
      return (await last) - started;
    };
    await post();
    await raw();
    await interleave(
      rounds,
      {
        ours: async () => void ours.push(await post()),
        baseline: async () => void baseline.push(await raw()),
      },
      (done) => progress.update(`round ${done}/${rounds}`),
    );
  } finally {
    client.close();
    progress.update("closing sockets");
    await Promise.all(listeners.map((listener) => listener.close()));
    // Let the stack's $disconnect handlers remove the rows before the next scenario loads it.
    for (let wait = 0; wait < 100; wait++) {
      const { connections } = await Connection.inRoom(ROOM, { limit: 1 });
      if (connections.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    progress.done();
  }
  const [o, b] = [summarize(ours), summarize(baseline)];
  const ratio = quantile(
    ours.map((value, i) => value / (baseline[i] ?? Number.NaN)),
    0.5,
  );
  return {
    rows: [
      {
        scenario: `fan-out, 1 message to ${size} sockets, time to the last frame`,
        ours: `p50 ${ms(o.median)}, p99 ${ms(o.p99)}`,
        baseline: `p50 ${ms(b.median)}, p99 ${ms(b.p99)}`,
        ratio: times(ratio),
        target: "report the ratio; p99 <= 1 s",
        met: o.p99 <= 1_000,
      },
    ],
    data: {
      sockets: size,
      rounds,
      oursMs: { median: round(o.median), p99: round(o.p99), rounds: ours.map((value) => round(value)) },
      baselineMs: {
        median: round(b.median),
        p99: round(b.p99),
        rounds: baseline.map((value) => round(value)),
      },
      ratio: round(ratio, 2),
    },
    notes: [
      `fan-out: ${size} WebSocket clients (one user each) in one room; ours = POST until the last socket has the ` +
        "frame; baseline = the stack's `ws` server sending the same frame down the same sockets, timed from the " +
        `bench's request to the last frame; ${rounds} rounds alternating; ratio = median over rounds of ours/baseline.`,
    ],
  };
};
