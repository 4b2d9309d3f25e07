import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import * as Message from "@chat/core/message";
import type { ChatMessage } from "@chat/types";
import type { DynamoDBRecord } from "aws-lambda";
import { streamRecords } from "../edge/stream";
import { broadcastToRoom } from "../fan-out/shards";
import { MetricUnit, metrics } from "../observability";
import { config } from "../runtime-config";

/**
 * Pushes each new message to every connection subscribed to its room: a small room here, a big one through
 * fan-out workers (see `fan-out/shards.ts`). Connections still owed the message when the time runs out are handed
 * to a worker; the record is redelivered only when that hand-off fails.
 */
export const handler = streamRecords(async (record, log, { deadline }) => {
  const message = messageOf(record);
  if (!message) {
    // Retrying cannot repair a record: skip it rather than block the shard.
    log.error({ eventName: record.eventName }, "skipped a record that is not a valid message insert");
    return "done";
  }
  const roomLog = log.child({ messageId: message.id, roomId: message.roomId });
  const { undelivered, shards, ...outcomes } = await broadcastToRoom(
    message.roomId,
    { type: "message", message },
    roomLog,
    { deadline, shardSize: config.settings.limits.fanOutShardSize },
  );
  const attempts = Object.values(outcomes).reduce((sum, count) => sum + count, 0);
  metrics.addMetric("BroadcastAttempts", MetricUnit.Count, attempts);
  metrics.addMetric("BroadcastSuccesses", MetricUnit.Count, outcomes.sent);
  metrics.addMetric("BroadcastFailures", MetricUnit.Count, outcomes.retry + outcomes.failed);
  metrics.addMetric("StaleConnectionsPruned", MetricUnit.Count, outcomes.gone);
  metrics.addMetric("BroadcastShards", MetricUnit.Count, shards);
  metrics.addMetric("BroadcastLatency", MetricUnit.Milliseconds, Date.now() - Date.parse(message.createdAt));
  roomLog.info({ ...outcomes, shards, handedOn: undelivered.length }, "broadcast");
  return outcomes.retry > 0 ? "retry" : "done";
});

const messageOf = (record: DynamoDBRecord): ChatMessage | null => {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== "INSERT" || !image) return null;
  // @types/aws-lambda and the SDK describe the same DynamoDB JSON with two different types.
  return Message.fromStreamImage(unmarshall(image as Record<string, AttributeValue>));
};
