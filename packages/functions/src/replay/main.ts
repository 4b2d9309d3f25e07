// `pnpm replay --stage <stage> [--dry-run]` runs this inside `sst shell --stage <stage>`, which gives it the stage's
// resources (the table, the WebSocket API, the failure queue) as a deployed function gets them, with the caller's
// AWS credentials. See README, Operations.
import { SQSClient } from "@aws-sdk/client-sqs";
import { Resource } from "sst/resource";
import * as v from "valibot";

const dryRun = process.argv.includes("--dry-run");
const queueOf = () => {
  try {
    return (Resource as unknown as Record<string, unknown>).BroadcastFailureQueue;
  } catch {
    return undefined; // no links at all
  }
};
const linked = v.safeParse(v.object({ url: v.string() }), queueOf());
if (!linked.success) {
  console.error(
    "No BroadcastFailureQueue resource: run this through `pnpm replay --stage <stage>` (sst shell).",
  );
  process.exit(2);
}
// The table's entities read their resource when imported: only now that the links are known to be there.
const { logger } = await import("../observability");
const { replayFailures } = await import("./replay");
const { sqsQueue } = await import("./sqs-queue");

const client = new SQSClient({});
const report = await replayFailures({ queue: sqsQueue(client, linked.output.url), log: logger, dryRun });
client.destroy();

for (const entry of report) {
  const head = entry.window
    ? `${entry.shardId} ${entry.window.from} .. ${entry.window.to}: ${entry.messages.length} message(s)`
    : `kept: ${entry.kept}`;
  console.log(head);
  for (const message of entry.messages) console.log(`  ${message.roomId} ${message.id} ${message.createdAt}`);
  if (!dryRun && entry.window) {
    const { sent, gone, connecting, retry, failed } = entry.outcomes;
    console.log(
      `  posts: ${sent} sent, ${gone} gone, ${connecting} connecting, ${retry} to retry, ${failed} failed`,
    );
    console.log(entry.deleted ? "  deleted from the queue" : `  kept in the queue: ${entry.kept}`);
  }
}
const kept = report.filter((entry) => !entry.deleted).length;
console.log(
  dryRun
    ? `dry run: ${report.length} queue message(s) read and left in the queue; nothing was sent`
    : `${report.length - kept} queue message(s) replayed and deleted, ${kept} kept`,
);
process.exitCode = !dryRun && kept > 0 ? 1 : 0;
