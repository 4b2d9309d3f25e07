import { GoneException } from "@aws-sdk/client-apigatewaymanagementapi";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import * as Connection from "@chat/core/connection";
import * as Message from "@chat/core/message";
import type { ChatMessage } from "@chat/types";
import type { DynamoDBRecord } from "aws-lambda";
import pLimit from "p-limit";
import { streamRecords } from "../edge/stream";
import { type Logger, MetricUnit, metrics } from "../observability";
import { encodeFrame, POST_CONCURRENCY, postToConnection } from "../realtime";

/** Pushes each new message to every connection of its room. */
export const handler = streamRecords(async (record, log) => {
  const message = messageOf(record);
  if (!message) {
    // Retrying cannot repair a record: skip it rather than block the shard.
    log.error({ eventName: record.eventName }, "skipped a record that is not a valid message insert");
    return "done";
  }
  const outcomes = await deliver(message, log.child({ messageId: message.id, roomId: message.roomId }));
  return outcomes.retry > 0 ? "retry" : "done";
});

const messageOf = (record: DynamoDBRecord): ChatMessage | null => {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== "INSERT" || !image) return null;
  // @types/aws-lambda and the SDK describe the same DynamoDB JSON with two different types.
  return Message.fromStreamImage(unmarshall(image as Record<string, AttributeValue>));
};

type Outcome = "sent" | "gone" | "connecting" | "retry" | "failed";

const deliver = async (message: ChatMessage, log: Logger): Promise<Record<Outcome, number>> => {
  const data = encodeFrame({ type: "message", message });
  const limit = pLimit(POST_CONCURRENCY);
  const posts: Promise<Outcome>[] = [];
  try {
    // Posting starts while the next page of connections is read.
    let cursor: string | null = null;
    do {
      const page: Connection.ConnectionPage = await Connection.inRoom(message.roomId, { cursor });
      for (const connection of page.connections) posts.push(limit(() => post(connection, data, log)));
      cursor = page.cursor;
    } while (cursor);
  } catch (error) {
    log.warn({ err: error }, "could not read the room's connections");
    posts.push(Promise.resolve("retry"));
  }
  const outcomes: Record<Outcome, number> = { sent: 0, gone: 0, connecting: 0, retry: 0, failed: 0 };
  for (const outcome of await Promise.all(posts)) outcomes[outcome]++;

  metrics.addMetric("BroadcastAttempts", MetricUnit.Count, posts.length);
  metrics.addMetric("BroadcastSuccesses", MetricUnit.Count, outcomes.sent);
  metrics.addMetric("BroadcastFailures", MetricUnit.Count, outcomes.retry + outcomes.failed);
  metrics.addMetric("StaleConnectionsPruned", MetricUnit.Count, outcomes.gone);
  metrics.addMetric("BroadcastLatency", MetricUnit.Milliseconds, Date.now() - Date.parse(message.createdAt));
  log.info(outcomes, "broadcast");
  return outcomes;
};

// A connection's row is written during `$connect`, before API Gateway completes the handshake; until then the
// connection reports gone. Pruning it then would leave a connected client that never hears from its room.
const HANDSHAKE_GRACE_MS = 10_000;

const post = async (
  { connectionId, connectedAt }: Connection.RoomListener,
  data: Uint8Array,
  log: Logger,
): Promise<Outcome> => {
  try {
    await postToConnection(connectionId, data);
    return "sent";
  } catch (error) {
    if (error instanceof GoneException) {
      if (Date.now() - Date.parse(connectedAt) < HANDSHAKE_GRACE_MS) return "connecting";
      return prune(connectionId, log);
    }
    const retryable = isRetryable(error);
    // One line per failed post: the error's name and status say enough, a stack trace per connection would not.
    const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    log.warn(
      { connectionId, error: name, status: $metadata?.httpStatusCode, retryable },
      "post to connection failed",
    );
    return retryable ? "retry" : "failed";
  }
};

const prune = async (connectionId: string, log: Logger): Promise<Outcome> => {
  // A failed prune is not worth a redelivery: the next broadcast or the row's TTL removes it.
  await Connection.disconnect(connectionId).catch((error: unknown) =>
    log.warn({ err: error, connectionId }, "could not prune a gone connection"),
  );
  return "gone";
};

/** Throttling, server errors and no answer at all may pass on a retry; other client errors will not. */
const isRetryable = (error: unknown): boolean => {
  const { $metadata, $fault } = (error ?? {}) as { $metadata?: { httpStatusCode?: number }; $fault?: string };
  const status = $metadata?.httpStatusCode;
  return status === undefined || status === 429 || $fault === "server" || status >= 500;
};
