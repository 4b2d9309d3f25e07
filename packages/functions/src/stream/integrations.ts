import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { eventsOf, type StreamChange } from "@chat/core/webhook";
import type { ChatMessage } from "@chat/types";
import type { DynamoDBRecord } from "aws-lambda";
import { streamRecords } from "../edge/stream";
import { pushMessage } from "../integrations/push";
import { enqueue } from "../integrations/webhook-queue";
import { deliveriesOf } from "../integrations/webhooks";
import { MetricUnit, metrics } from "../observability";
import { config } from "../runtime-config";

/**
 * The integrations consumer, a second reader of the table's stream: each record becomes its webhook events (one
 * mapping per event type, `@chat/core/webhook`), queued once per endpoint that wants the type; the deliverer
 * (`queue/deliver-webhook`) posts them. A new message is also pushed to the room's members who are away. A record whose deliveries cannot be queued is retried, in order.
 */
export const handler = streamRecords(async (record, log) => {
  const change = changeOf(record);
  if (!change) return "done";
  const events = eventsOf(change);
  const { webhooks, push } = config.settings.integrations;
  const deliveries = deliveriesOf(events, webhooks);
  if (deliveries.length > 0) {
    await enqueue(deliveries);
    metrics.addMetric("WebhooksQueued", MetricUnit.Count, deliveries.length);
    log.info({ events: events.map((event) => event.id), deliveries: deliveries.length }, "webhooks queued");
  }
  const created = events.find((event) => event.type === "message.created");
  if (push && created?.type === "message.created") {
    const { message } = created.data as { message: ChatMessage };
    const outcome = await pushMessage(message, push, log);
    metrics.addMetric("PushesSent", MetricUnit.Count, outcome.pushed);
    log.info({ messageId: message.id, roomId: message.roomId, ...outcome }, "push");
  }
  return "done";
});

// @types/aws-lambda and the SDK describe the same DynamoDB JSON with two different types.
const plain = (image: unknown) => unmarshall(image as Record<string, AttributeValue>);

const changeOf = (record: DynamoDBRecord): StreamChange | null => {
  const { eventName, eventID, dynamodb } = record;
  if (!eventName || !eventID || !dynamodb?.Keys) return null;
  return {
    eventName,
    eventId: eventID,
    keys: plain(dynamodb.Keys),
    newImage: dynamodb.NewImage ? plain(dynamodb.NewImage) : undefined,
    oldImage: dynamodb.OldImage ? plain(dynamodb.OldImage) : undefined,
    at: new Date((dynamodb.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000).toISOString(),
  };
};
