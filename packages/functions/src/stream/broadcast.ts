import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import * as Message from "@chat/core/message";
import type { ServerFrame } from "@chat/types";
import type { DynamoDBRecord } from "aws-lambda";
import { streamRecords } from "../edge/stream";
import { broadcastToRoom } from "../fan-out/shards";
import { MetricUnit, metrics } from "../observability";
import { config } from "../runtime-config";

/**
 * Pushes each change of a message to every connection subscribed to its room: a new message (`message`), an edit
 * (`message.updated`), a delete (`message.deleted`) or a reaction (`reaction`); `Message.changeOf` says which
 * change is which. All of a room's messages share a partition key, so their changes come in order on one shard.
 * A small room is posted here, a big one through fan-out workers (see `fan-out/shards.ts`). Connections still owed
 * the frame when the time runs out are handed to a worker; the record is redelivered only when that hand-off fails.
 */
export const handler = streamRecords(async (record, log, { deadline }) => {
  const change = changeOf(record);
  if (change === "unchanged") return "done";
  if (change === "invalid") {
    // Retrying cannot repair a record: skip it rather than block the shard.
    log.error({ eventName: record.eventName }, "skipped a record that is not a valid message change");
    return "done";
  }
  const frame: ServerFrame =
    change.type === "reaction" ? change.frame : { type: change.type, message: change.message };
  const [roomId, messageId] =
    change.type === "reaction"
      ? [change.frame.roomId, change.frame.messageId]
      : [change.message.roomId, change.message.id];
  const roomLog = log.child({ messageId, roomId, frame: frame.type });
  const { undelivered, shards, ...outcomes } = await broadcastToRoom(roomId, frame, roomLog, {
    deadline,
    shardSize: config.settings.limits.fanOutShardSize,
  });
  const attempts = Object.values(outcomes).reduce((sum, count) => sum + count, 0);
  metrics.addMetric("BroadcastAttempts", MetricUnit.Count, attempts);
  metrics.addMetric("BroadcastSuccesses", MetricUnit.Count, outcomes.sent);
  metrics.addMetric("BroadcastFailures", MetricUnit.Count, outcomes.retry + outcomes.failed);
  metrics.addMetric("StaleConnectionsPruned", MetricUnit.Count, outcomes.gone);
  metrics.addMetric("BroadcastShards", MetricUnit.Count, shards);
  metrics.addMetric("BroadcastLatency", MetricUnit.Milliseconds, Date.now() - Date.parse(change.at));
  roomLog.info({ ...outcomes, shards, handedOn: undelivered.length }, "broadcast");
  return outcomes.retry > 0 ? "retry" : "done";
});

// @types/aws-lambda and the SDK describe the same DynamoDB JSON with two different types.
const imageOf = (image: unknown) =>
  image === undefined ? undefined : unmarshall(image as Record<string, AttributeValue>);

const changeOf = (record: DynamoDBRecord): ReturnType<typeof Message.changeOf> => {
  try {
    return Message.changeOf(
      record.eventName,
      imageOf(record.dynamodb?.NewImage),
      imageOf(record.dynamodb?.OldImage),
    );
  } catch {
    // An image the SDK cannot read (an attribute value of no known type): no retry reads it better.
    return "invalid";
  }
};
