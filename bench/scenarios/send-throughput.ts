import { BatchGetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "@chat/core/dynamo";
import { decodeTime, monotonicFactory } from "ulid";
import { openDrain } from "../lib/drain";
import { httpClient, postMessage } from "../lib/http";
import {
  accessRead,
  checkSameRequestsAsElectroDb,
  hitSendLimit,
  putIdempotencyKey,
  putMessage,
} from "../lib/items";
import { type BenchContext, type Row, type ScenarioResult, times } from "../lib/scenario";
import { interleave, quantile, round, summarize } from "../lib/stats";

const CONCURRENCY = 32;
const ROOM = "bench-send";

interface Round {
  rate: number;
  latencies: number[];
}

/** Runs `count` requests, `CONCURRENCY` at a time, each worker as its own user. */
const load = async (count: number, one: (i: number, worker: number) => Promise<void>): Promise<Round> => {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let i = next++; i < count; i = next++) {
        const sent = performance.now();
        await one(i, worker);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  return { rate: count / ((performance.now() - started) / 1000), latencies };
};

/**
 * Sends through the whole HTTP path (API Gateway emulation, edge, validation, rate limit, ElectroDB) against the
 * same DynamoDB writes sent straight from the SDK, at the same concurrency. Both also feed the same stream and
 * broadcaster, since both write message items to the stack's table.
 */
export const run = async (context: BenchContext): Promise<ScenarioResult> => {
  const { tableName, httpUrl } = context;
  checkSameRequestsAsElectroDb(tableName);
  const rounds = context.smoke ? 2 : 6;
  const perRound = context.smoke ? 64 : 1_000;
  const client = httpClient(CONCURRENCY);
  const stream = await openDrain(context);
  const nextId = monotonicFactory();
  let sequence = 0;

  const variants = [
    { name: "send", idempotent: false },
    { name: "send with clientMessageId", idempotent: true },
  ];
  const rows: Row[] = [];
  const data: Record<string, unknown> = {};
  try {
    for (const { name, idempotent } of variants) {
      const ours = (_: number, worker: number) => {
        const userId = `sender-${worker}`;
        const n = sequence++;
        return postMessage(client, httpUrl, ROOM, {
          userId,
          username: `Sender ${worker}`,
          text: `throughput ${n}`,
          ...(idempotent && { clientMessageId: `bench-${process.pid}-${n}` }),
        });
      };
      // The requests a send makes once its sender is a member: the rate-limit counter and the access read (room,
      // member, ban and blocklist rows) at once, then the message (and, with a clientMessageId, its idempotency key
      // in the same transaction).
      const baseline = async (_: number, worker: number) => {
        const userId = `direct-${worker}`;
        const n = sequence++;
        const now = Date.now();
        const id = nextId(now);
        const message = {
          roomId: ROOM,
          id,
          userId,
          username: `Direct ${worker}`,
          text: `throughput ${n}`,
          createdAt: new Date(decodeTime(id)).toISOString(),
        };
        await Promise.all([
          documentClient.send(new UpdateCommand(hitSendLimit(tableName, userId, now / 1000))),
          documentClient.send(new BatchGetCommand(accessRead(tableName, ROOM, userId))),
        ]);
        if (!idempotent) {
          await documentClient.send(new PutCommand(putMessage(tableName, message)));
          return;
        }
        const clientMessageId = `direct-${process.pid}-${n}`;
        await documentClient.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: putMessage(tableName, { ...message, clientMessageId }) },
              {
                Put: putIdempotencyKey(
                  tableName,
                  { roomId: ROOM, userId, clientMessageId, messageId: id },
                  Math.floor(now / 1000),
                ),
              },
            ],
          }),
        );
      };

      const progress = context.progress(`send throughput (${name})`);
      // Warm-up: JIT, sockets, and the room row the first send of a process writes.
      await load(Math.min(perRound, 200), ours);
      await load(Math.min(perRound, 200), baseline);
      await stream.drain();
      const results = { ours: [] as Round[], baseline: [] as Round[] };
      // Each round starts with the stream's backlog broadcast, so no round pays for the one before.
      await interleave(
        rounds,
        {
          ours: async () => {
            results.ours.push(await load(perRound, ours));
            await stream.drain();
          },
          baseline: async () => {
            results.baseline.push(await load(perRound, baseline));
            await stream.drain();
          },
        },
        (done) => progress.update(`round ${done}/${rounds}`),
      );
      progress.done();

      const rate = (side: Round[]) => summarize(side.map((r) => r.rate));
      const latency = (side: Round[]) => summarize(side.flatMap((r) => r.latencies));
      const ratios = results.ours.map((r, i) => r.rate / (results.baseline[i]?.rate ?? Number.NaN));
      const ratio = quantile(ratios, 0.5);
      const [oursRate, baseRate, oursLatency, baseLatency] = [
        rate(results.ours),
        rate(results.baseline),
        latency(results.ours),
        latency(results.baseline),
      ];
      rows.push({
        scenario: `${name}, ${CONCURRENCY} concurrent`,
        ours: `${Math.round(oursRate.median)} req/s (p99 ${Math.round(oursLatency.p99)} ms)`,
        baseline: `${Math.round(baseRate.median)} req/s (p99 ${Math.round(baseLatency.p99)} ms)`,
        ratio: times(ratio),
        target: ">= 0.8x",
        met: ratio >= 0.8,
      });
      data[idempotent ? "sendWithClientMessageId" : "send"] = {
        concurrency: CONCURRENCY,
        requestsPerRound: perRound,
        rounds,
        oursRequestsPerSecond: oursRate,
        baselineRequestsPerSecond: baseRate,
        oursLatencyMs: { median: round(oursLatency.median), p99: round(oursLatency.p99) },
        baselineLatencyMs: { median: round(baseLatency.median), p99: round(baseLatency.p99) },
        ratiosPerRound: ratios.map((r) => round(r, 3)),
        ratio: round(ratio, 3),
      };
    }
  } finally {
    client.close();
    await stream.close();
  }
  return {
    rows,
    data,
    notes: [
      `send throughput: ${perRound} sends per round, ${rounds} rounds alternating which side goes first; ratio = ` +
        "median over rounds of ours/baseline. Baseline: the same requests per send, built by hand, checked equal " +
        "to ElectroDB's, sent with the handlers' own DocumentClient from the bench process: the UpdateItem " +
        "(rate-limit counter) and the BatchGetItem access read (room, member, ban, blocklist rows) at once, then " +
        "the PutItem (or TransactWriteItems of message + idempotency key).",
    ],
  };
};
