import { execFileSync } from "node:child_process";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { httpClient, postMessage } from "../lib/http";
import { arrivals } from "../lib/listener";
import { type BenchContext, ms, type ScenarioResult, times } from "../lib/scenario";
import { round, summarize } from "../lib/stats";

const openFiles = (): number => {
  try {
    return Number(execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim());
  } catch {
    return Number.POSITIVE_INFINITY;
  }
};

interface Storm {
  sockets: WebSocket[];
  handshakesMs: number[];
  refused: number;
  allOpenMs: number;
}

/** Opens `size` sockets to `url` all at once, one distinct user each; `onText` gets every message frame's text. */
const storm = async (url: string, size: number, onText: (text: string) => void): Promise<Storm> => {
  const started = performance.now();
  const handshakesMs: number[] = [];
  let refused = 0;
  const opened = await Promise.all(
    Array.from(
      { length: size },
      (_, i) =>
        new Promise<WebSocket | null>((resolve) => {
          const begun = performance.now();
          const query = new URLSearchParams({
            roomId: "bench-storm",
            userId: `storm-${i}`,
            username: `S${i}`,
          });
          const socket = new WebSocket(`${url}/?${query}`);
          socket.on("message", (data) => {
            const frame = JSON.parse(String(data)) as { type: string; message?: { text: string } };
            if (frame.type === "message" && frame.message) onText(frame.message.text);
          });
          socket.once("open", () => {
            handshakesMs.push(performance.now() - begun);
            resolve(socket);
          });
          socket.once("error", () => {
            refused++;
            resolve(null);
          });
        }),
    ),
  );
  return {
    sockets: opened.filter((socket) => socket !== null),
    handshakesMs,
    refused,
    allOpenMs: performance.now() - started,
  };
};

const closeAll = (sockets: WebSocket[]) =>
  Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((closed) => {
          if (socket.readyState === WebSocket.CLOSED) return closed();
          socket.once("close", () => closed());
          socket.close();
        }),
    ),
  );

/**
 * A connect storm: `size` distinct users open a socket to one room at once (each handshake runs `$connect`: the
 * access read, the connection transaction, presence and the room's online count, a join notice while the room has at
 * most 100 users), then one message is posted and every socket must get it. The baseline is the same number of
 * handshakes against a bare `ws` server on this machine that does nothing on connect: the floor of the sockets alone.
 */
export const run = async (context: BenchContext): Promise<ScenarioResult> => {
  const size = context.smoke ? 50 : Number(process.env.BENCH_STORM_SIZE ?? 5_000);
  // Each socket is a file descriptor here and another in the stack's process.
  if (openFiles() < size + 500) {
    throw new Error(
      `connect-storm opens ${size} sockets: raise the open file limit (ulimit -n ${size + 1_000})`,
    );
  }
  const progress = context.progress(`connect storm of ${size}`);
  const bare = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => bare.once("listening", resolve));
  const bareUrl = `ws://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  const frames = arrivals();
  const client = httpClient(1);
  let ours: Storm | undefined;
  let baseline: Storm | undefined;
  let reachedMs = Number.NaN;
  let reached = 0;
  try {
    progress.update("baseline: bare ws handshakes");
    baseline = await storm(bareUrl, size, () => undefined);
    await closeAll(baseline.sockets);
    progress.update(`ours: ${size} handshakes`);
    ours = await storm(context.wsUrl, size, (text) => {
      if (text === "storm welcome") reached++;
      frames.arrive(text);
    });
    progress.update("one message to all");
    const last = frames.expect("storm welcome", ours.sockets.length, 120_000);
    const started = performance.now();
    await postMessage(client, context.httpUrl, "bench-storm", {
      userId: "storm-poster",
      username: "Poster",
      text: "storm welcome",
    });
    reachedMs = await last.then(
      (at) => at - started,
      () => Number.NaN,
    );
  } finally {
    progress.update("closing");
    await closeAll([...(ours?.sockets ?? []), ...(baseline?.sockets ?? [])]);
    bare.close();
    client.close();
    progress.done();
  }
  const [o, b] = [summarize(ours.handshakesMs), summarize(baseline.handshakesMs)];
  const allSubscribed = ours.sockets.length === size;
  return {
    rows: [
      {
        scenario: `connect storm: ${size} users join one room at once`,
        ours: `all in ${ms(ours.allOpenMs)} (${ours.sockets.length}/${size}); handshake p50 ${ms(o.median)}, p99 ${ms(o.p99)}`,
        baseline: `bare ws: all in ${ms(baseline.allOpenMs)}; p50 ${ms(b.median)}, p99 ${ms(b.p99)}`,
        ratio: times(ours.allOpenMs / baseline.allOpenMs),
        target: `all ${size} subscribed within 60 s`,
        met: allSubscribed && ours.allOpenMs <= 60_000,
      },
      {
        scenario: `connect storm: then one message to all ${size}`,
        ours: `${reached}/${size} in ${Number.isNaN(reachedMs) ? "over 120 s" : ms(reachedMs)}`,
        baseline: "",
        ratio: "",
        target: `every socket gets it`,
        met: reached === size,
      },
    ],
    data: {
      size,
      subscribed: ours.sockets.length,
      refused: ours.refused,
      allOpenMs: round(ours.allOpenMs),
      handshakeMs: { median: round(o.median), p99: round(o.p99) },
      baselineAllOpenMs: round(baseline.allOpenMs),
      baselineHandshakeMs: { median: round(b.median), p99: round(b.p99) },
      messageReached: reached,
      messageMs: Number.isNaN(reachedMs) ? null : round(reachedMs),
    },
    notes: [
      `connect storm: ${size} distinct users open one socket each to one room, all at once (no pacing); a handshake ` +
        "counts once the socket is open, which means `$connect` accepted it with the room as its first " +
        "subscription. The local WebSocket emulation runs at most 8 `$connect` handlers at once (Lambda's " +
        `concurrency, in one process); the rest wait their turn. Needs \`ulimit -n\` of at least ${size + 1_000}: ` +
        "each socket is a descriptor in the bench and another in the stack's process.",
    ],
  };
};
