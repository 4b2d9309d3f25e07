import { fanOutWorker } from "@chat/functions/routes";
import { handlerFunction } from "./handler";
import { realtime } from "./realtime";
import { settings } from "./settings";
import { stageConfig } from "./stage-config";
import { table } from "./storage";

const config = stageConfig($app.stage);

/** Lambda's own retries of a failed asynchronous invocation (the default): a worker fails only before posting. */
export const FAN_OUT_RETRIES = 2;

/**
 * Where stream records go when the broadcaster gives up on them (retries or record age exhausted), and fan-out
 * shards a worker failed on (Lambda's asynchronous retries exhausted): kept for 14 days for inspection instead of
 * being dropped silently.
 */
export const failures = new sst.aws.Queue("BroadcastFailureQueue", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 } },
});

/**
 * The fan-out worker: posts one shard of a big room's broadcast per asynchronous invocation (from the broadcaster,
 * or from itself for the connections it could not reach in time), so that shards run in parallel and none runs
 * past the 60 s timeout. An invocation fails only before its first post (reading its slice), so Lambda's retries
 * repeat no post; a shard still failing then, or older than the stream's own record age limit, goes to the failure
 * queue.
 */
export const fanOut = new sst.aws.Function("FanOutWorker", {
  ...handlerFunction(
    config,
    fanOutWorker,
    "broadcaster",
    { table, settings, realtime },
    // Lambda sends the failed invocation's record with the function's own role.
    { permissions: [{ actions: ["sqs:SendMessage"], resources: [failures.arn] }] },
  ),
  retries: FAN_OUT_RETRIES,
  transform: {
    eventInvokeConfig: {
      maximumEventAgeInSeconds: config.stream.maximumRecordAgeSeconds,
      destinationConfig: { onFailure: { destination: failures.arn } },
    },
  },
});

// A worker hands undelivered connections to a new invocation of itself: its own ARN, granted on its role (a link
// to itself would be a cycle).
new aws.iam.RolePolicy("FanOutWorkerInvokesItself", {
  role: fanOut.nodes.role.name,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [fanOut.arn] }],
  }),
});
