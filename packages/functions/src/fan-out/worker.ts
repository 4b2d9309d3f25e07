import { beforeFirstUse } from "@chat/core/first-use";
import type { Context } from "aws-lambda";
import * as v from "valibot";
import { flushMetrics, logger, MetricUnit, metrics } from "../observability";
import { deadlineOf } from "./retry";
import { fanOutShard, Shard } from "./shards";

/**
 * The fan-out worker: posts one shard of a big room's broadcast (an asynchronous invocation from the broadcaster,
 * or from a worker handing on the connections it could not reach in time). It throws only when it could not read
 * its slice, before any post (Lambda's own retry of the invocation then repeats nothing).
 */
export const handler = async (event: unknown, context?: Context): Promise<void> => {
  await beforeFirstUse(); // the logger, ElectroDB
  const deadline = deadlineOf(context);
  try {
    const parsed = v.safeParse(Shard, event);
    if (!parsed.success) {
      // Retrying cannot repair the payload.
      logger.error({ issues: v.flatten(parsed.issues).nested }, "skipped an invalid shard");
      return;
    }
    const shard = parsed.output;
    const log = logger.child({ roomId: shard.roomId, handoffs: shard.handoffs });
    const { undelivered, ...outcomes } = await fanOutShard(shard, log, { deadline });
    metrics.addMetric("BroadcastSuccesses", MetricUnit.Count, outcomes.sent);
    metrics.addMetric("BroadcastFailures", MetricUnit.Count, outcomes.retry + outcomes.failed);
    metrics.addMetric("StaleConnectionsPruned", MetricUnit.Count, outcomes.gone);
    log.info({ ...outcomes, handedOn: undelivered.length }, "shard broadcast");
  } finally {
    flushMetrics();
  }
};
