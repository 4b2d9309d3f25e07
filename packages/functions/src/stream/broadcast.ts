import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import * as Message from "@chat/core/message";
import type { ChatMessage } from "@chat/types";
import type { DynamoDBRecord } from "aws-lambda";
import { streamRecords } from "../edge/stream";
import { fanOut } from "../fan-out";
import { MetricUnit, metrics } from "../observability";

/** Pushes each new message to every connection subscribed to its room. */
export const handler = streamRecords(async (record, log) => {
  const message = messageOf(record);
  if (!message) {
    // Retrying cannot repair a record: skip it rather than block the shard.
    log.error({ eventName: record.eventName }, "skipped a record that is not a valid message insert");
    return "done";
  }
  const roomLog = log.child({ messageId: message.id, roomId: message.roomId });
  const outcomes = await fanOut(message.roomId, { type: "message", message }, roomLog);
  const attempts = Object.values(outcomes).reduce((sum, count) => sum + count, 0);
  metrics.addMetric("BroadcastAttempts", MetricUnit.Count, attempts);
  metrics.addMetric("BroadcastSuccesses", MetricUnit.Count, outcomes.sent);
  metrics.addMetric("BroadcastFailures", MetricUnit.Count, outcomes.retry + outcomes.failed);
  metrics.addMetric("StaleConnectionsPruned", MetricUnit.Count, outcomes.gone);
  metrics.addMetric("BroadcastLatency", MetricUnit.Milliseconds, Date.now() - Date.parse(message.createdAt));
  roomLog.info(outcomes, "broadcast");
  return outcomes.retry > 0 ? "retry" : "done";
});

const messageOf = (record: DynamoDBRecord): ChatMessage | null => {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== "INSERT" || !image) return null;
  // @types/aws-lambda and the SDK describe the same DynamoDB JSON with two different types.
  return Message.fromStreamImage(unmarshall(image as Record<string, AttributeValue>));
};
