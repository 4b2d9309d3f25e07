import { type CapacityUse, totalUnits } from "../lib/capacity";
import { startHost } from "../lib/host";
import type { BenchContext, Row, ScenarioResult } from "../lib/scenario";
import { quantile } from "../lib/stats";
import { storageEnvironment } from "../lib/storage";
import { hostEnvironment } from "../lib/table";

type Sent = { status: number; uses: CapacityUse[]; messageId?: string };

const writes = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);

// A call that reported nothing (a cancelled transaction) is left out of the sums and named in the breakdown.
const units = (uses: CapacityUse[], kind: "write" | "read") =>
  totalUnits(uses.filter((use) => writes.has(use.operation) === (kind === "write")));

const breakdown = (uses: CapacityUse[]) =>
  uses
    .map(({ operation, units, reported }) => {
      if (units === null) return `${operation} cancelled, not reported`;
      return units === reported ? `${operation} ${units}` : `${operation} ${units}, Local says ${reported}`;
    })
    .join(" + ");

/**
 * The write capacity of each kind of send, through the real send-message handler (rate limit included), as
 * DynamoDB Local reports it per call.
 */
export const run = async (context: BenchContext): Promise<ScenarioResult> => {
  const repeats = context.smoke ? 2 : 10;
  const progress = context.progress("write cost per send");
  const host = await startHost(
    new URL("../hosts/costs.ts", import.meta.url),
    hostEnvironment(storageEnvironment(context.dynamoEndpoint, "bench-write-cost", "bench")),
  );
  const cases: { name: string; samples: Sent[] }[] = [
    { name: "send, first to a new room (creates it, the poster its owner)", samples: [] },
    { name: "send", samples: [] },
    { name: "send with clientMessageId", samples: [] },
    { name: "idempotent replay", samples: [] },
    {
      name: "reply (parentId: the reply, its thread entry, the parent's replyCount in one transaction)",
      samples: [],
    },
    { name: "reply with clientMessageId", samples: [] },
    { name: "PUT /rooms/{roomId}/read, the cursor moves (before the read frame)", samples: [] },
    { name: "PUT /rooms/{roomId}/read, an older id (the cursor stays)", samples: [] },
  ];
  const [first, plain, keyed, replay, reply, keyedReply, moved, stays] = cases.map((c) => c.samples) as [
    Sent[],
    Sent[],
    Sent[],
    Sent[],
    Sent[],
    Sent[],
    Sent[],
    Sent[],
  ];
  try {
    for (let i = 0; i < repeats; i++) {
      const roomId = `write-${i}`;
      const userId = `writer-${i}`;
      first.push(await host.call<Sent>("send", { roomId, userId, text: "hello" }));
      plain.push(await host.call<Sent>("send", { roomId, userId, text: "hello again" }));
      keyed.push(await host.call<Sent>("send", { roomId, userId, text: "keyed", clientMessageId: `k-${i}` }));
      replay.push(
        await host.call<Sent>("send", { roomId, userId, text: "keyed", clientMessageId: `k-${i}` }),
      );
      const parentId = plain.at(-1)?.messageId ?? "";
      reply.push(await host.call<Sent>("send", { roomId, userId, text: "a reply", parentId }));
      keyedReply.push(
        await host.call<Sent>("send", {
          roomId,
          userId,
          text: "a keyed reply",
          parentId,
          clientMessageId: `r-${i}`,
        }),
      );
      const newest = keyedReply.at(-1)?.messageId ?? "";
      moved.push(await host.call<Sent>("markRead", { roomId, userId: `reader-${i}`, messageId: newest }));
      stays.push(await host.call<Sent>("markRead", { roomId, userId: `reader-${i}`, messageId: parentId }));
      progress.update(`${i + 1}/${repeats}`);
    }
  } finally {
    progress.done();
    await host.stop();
  }
  const expected = [201, 201, 201, 200, 201, 201, 200, 200];
  cases.forEach(({ name, samples }, i) => {
    const wrong = samples.find((sample) => sample.status !== expected[i]);
    if (wrong) throw new Error(`${name} answered ${wrong.status}`);
  });
  const rows: Row[] = cases.map(({ name, samples }) => {
    const wcu = quantile(
      samples.map((s) => units(s.uses, "write")),
      0.5,
    );
    const rcu = quantile(
      samples.map((s) => units(s.uses, "read")),
      0.5,
    );
    return {
      scenario: `write cost: ${name}`,
      ours: `${wcu} WCU${rcu > 0 ? ` + ${rcu} RCU` : ""} (${breakdown(samples[0]?.uses ?? [])})`,
      baseline: "—",
      ratio: "—",
      target: "report; justify every unit",
      met: null,
    };
  });
  return {
    rows,
    data: Object.fromEntries(cases.map(({ name, samples }) => [name, samples.map((sample) => sample.uses)])),
    notes: [
      "write cost: the send-message handler called in a process of its own (rate limit included) with " +
        "ReturnConsumedCapacity INDEXES added to every call by an SDK middleware on the handlers' client; the " +
        "breakdown lists each call in order. Transactions: DynamoDB Local reports a flat 2 units for any " +
        "TransactWriteItems, so their units here are AWS's rule (2 WCU per started KB of each item), from the " +
        "items' sizes. DynamoDB reports nothing for a transaction it cancels (the replay's first attempt, 2 items).",
    ],
  };
};
