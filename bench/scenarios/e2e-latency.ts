import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "@chat/core/dynamo";
import { decodeTime, monotonicFactory } from "ulid";
import { drainStream } from "../lib/drain";
import { httpClient, postMessage } from "../lib/http";
import { putMessage } from "../lib/items";
import { arrivals, listen } from "../lib/listener";
import { type BenchContext, ms, type ScenarioResult } from "../lib/scenario";
import { interleave, quantile, round, summarize } from "../lib/stats";
import { openStreamReader } from "../lib/stream-reader";

const ROOM = "bench-latency";

// A pause of random length before each message. Back to back, each POST would follow the last frame, which the
// stream poller sends just before it goes to sleep: every message would wait out a whole poll interval, where
// messages that come at random times wait half of one on average.
const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 50));

/**
 * One message at a time: ours is a POST until the listener's frame arrives (HTTP API, send, stream poller,
 * broadcaster, management API, WebSocket); the baseline is a PutItem of the same item until a back-to-back
 * GetRecords reader sees it on the stream, the least any stream-driven push can take.
 */
export const run = async (context: BenchContext): Promise<ScenarioResult> => {
  const { tableName, httpUrl, wsUrl } = context;
  const rounds = context.smoke ? 2 : 10;
  const perRound = context.smoke ? 10 : 50;
  const client = httpClient(1);
  const frames = arrivals();
  const listener = await listen(
    wsUrl,
    { roomId: ROOM, userId: "listener", username: "Listener" },
    frames.arrive,
  );
  const reader = await openStreamReader(tableName);
  const nextId = monotonicFactory();
  const ours: number[] = [];
  const answered: number[] = [];
  const baseline: number[] = [];
  let sequence = 0;
  const progress = context.progress("end-to-end latency");
  await drainStream(context);
  try {
    const post = async () => {
      const text = `latency ${sequence++}`;
      const arrived = frames.expect(text, 1, 10_000);
      const started = performance.now();
      await postMessage(client, httpUrl, ROOM, { userId: "poster", username: "Poster", text });
      answered.push(performance.now() - started);
      return (await arrived) - started;
    };
    const put = async () => {
      const id = nextId(Date.now());
      const started = performance.now();
      const item = putMessage(tableName, {
        roomId: `${ROOM}-direct`,
        id,
        userId: "poster",
        username: "Poster",
        text: `latency ${sequence++}`,
        createdAt: new Date(decodeTime(id)).toISOString(),
      });
      await documentClient.send(new PutCommand(item));
      await reader.waitFor((record) => record.dynamodb?.Keys?.sk?.S === item.Item.sk);
      return performance.now() - started;
    };
    // Warm-up: connections, JIT, the room row.
    for (let i = 0; i < 5; i++) {
      await post();
      await put();
    }
    await interleave(
      rounds,
      {
        ours: async () => {
          for (let i = 0; i < perRound; i++) {
            await pause();
            ours.push(await post());
          }
        },
        baseline: async () => {
          for (let i = 0; i < perRound; i++) {
            await pause();
            baseline.push(await put());
          }
        },
      },
      (done) => progress.update(`round ${done}/${rounds}`),
    );
  } finally {
    progress.done();
    reader.close();
    client.close();
    await listener.close();
  }
  const [o, b] = [summarize(ours), summarize(baseline)];
  const extra = o.median - b.median;
  return {
    rows: [
      {
        scenario: `end-to-end latency, 1 listener, ${ours.length} messages`,
        ours: `p50 ${ms(o.median)}, p99 ${ms(o.p99)}`,
        baseline: `p50 ${ms(b.median)}, p99 ${ms(b.p99)}`,
        ratio: `+${ms(extra)} at p50`,
        target: "p50 <= baseline + 30 ms",
        met: extra <= 30,
      },
    ],
    data: {
      messages: ours.length,
      rounds,
      oursMs: { median: round(o.median), p99: round(o.p99) },
      baselineMs: { median: round(b.median), p99: round(b.p99) },
      extraAtMedianMs: round(extra),
      // Of ours: the POST's own answer (rate limit and store); the rest is the stream, broadcaster and socket.
      postAnsweredMs: { median: round(quantile(answered, 0.5)), p99: round(quantile(answered, 0.99)) },
    },
    notes: [
      "end-to-end latency: ours = POST until the WebSocket frame arrives; baseline = PutItem of the same " +
        "message item until a reader calling GetRecords back to back sees it; one at a time, in rounds of " +
        `${perRound} alternating which side goes first, each message after a random 0-50 ms pause (the local ` +
        "stream poller sleeps 25 ms whenever a read finds nothing; messages sent back to back would all arrive " +
        "just as it falls asleep).",
    ],
  };
};
