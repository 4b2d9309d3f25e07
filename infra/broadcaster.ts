import { broadcaster as route } from "@chat/functions/routes";
import { failures, fanOut } from "./fan-out";
import { handlerFunction, streamSubscription } from "./handler";
import { realtime } from "./realtime";
import { settings } from "./settings";
import { stageConfig } from "./stage-config";
import { table } from "./storage";

const config = stageConfig($app.stage);

export { failures };

/**
 * The broadcaster: the table's stream, filtered to message INSERTs and MODIFYs, pushes every new message, edit,
 * delete and reaction to its room. The
 * handler reports the first record it could not deliver; Lambda retries from there (bisecting a failing batch).
 * Rooms over the shard size are handed to the fan-out worker (infra/fan-out.ts), one shard per invocation.
 */
export const subscriber = table.subscribe(
  "Broadcaster",
  handlerFunction(
    config,
    route.handler,
    "broadcaster",
    { table, settings, realtime, fanOut },
    // Lambda sends the failure record with the function's own role.
    { permissions: [{ actions: ["sqs:SendMessage"], resources: [failures.arn] }] },
  ),
  streamSubscription(config, [route.filter], failures.arn),
);
