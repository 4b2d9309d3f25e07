import { broadcaster as route } from "@chat/functions/routes";
import { handlerFunction } from "./handler";
import { realtime } from "./realtime";
import { settings } from "./settings";
import { stageConfig } from "./stage-config";
import { table } from "./storage";

const config = stageConfig($app.stage);

/**
 * Where stream records go when the broadcaster gives up on them (retries or record age exhausted): kept for 14 days
 * for inspection instead of being dropped silently. Each entry describes the failed batch's shard and sequence range.
 */
export const failures = new sst.aws.Queue("BroadcastFailureQueue", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 } },
});

/**
 * The broadcaster: the table's stream, filtered to message INSERTs and MODIFYs, pushes every new message, edit,
 * delete and reaction to its room. The
 * handler reports the first record it could not deliver; Lambda retries from there (bisecting a failing batch).
 */
export const subscriber = table.subscribe(
  "Broadcaster",
  handlerFunction(
    config,
    route.handler,
    "broadcaster",
    { table, settings, realtime },
    // Lambda sends the failure record with the function's own role.
    { permissions: [{ actions: ["sqs:SendMessage"], resources: [failures.arn] }] },
  ),
  {
    filters: [route.filter],
    transform: {
      eventSourceMapping: {
        batchSize: config.stream.batchSize,
        maximumBatchingWindowInSeconds: config.stream.batchingWindowSeconds,
        bisectBatchOnFunctionError: true,
        functionResponseTypes: ["ReportBatchItemFailures"],
        maximumRetryAttempts: config.stream.maximumRetryAttempts,
        maximumRecordAgeInSeconds: config.stream.maximumRecordAgeSeconds,
        destinationConfig: { onFailure: { destinationArn: failures.arn } },
      },
    },
  },
);
