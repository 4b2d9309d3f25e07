import * as Message from "@chat/core/message";
import * as RateLimit from "@chat/core/rate-limit";
import { Limits, RoomPath, SendMessageRequest, SendMessageResponse } from "@chat/types";
import { config } from "../config";
import { http, type Operation } from "../edge/http";
import { assertSameUser } from "../edge/identity";
import { MetricUnit, metrics } from "../observability";

export const operation = {
  operationId: "sendMessage",
  summary: "Post a message to a room",
  description:
    `A \`clientMessageId\` makes the send idempotent for ${Limits.idempotencyTtlSeconds / 3600} hours per (roomId, ` +
    "userId, clientMessageId): a repeat answers 200 with the first message and stores nothing new, so retry freely. " +
    `Bodies over ${Limits.maxBodyBytes} bytes get 413; unknown body fields are refused.`,
  params: RoomPath,
  body: SendMessageRequest,
  responses: {
    201: { schema: SendMessageResponse, description: "Stored and pushed to the room" },
    200: {
      schema: SendMessageResponse,
      description: "An idempotent replay: the first message with this clientMessageId",
    },
  },
  errors: [
    "invalid_json",
    "validation_failed",
    "forbidden",
    "payload_too_large",
    "rate_limited",
    "unavailable",
  ],
} as const satisfies Operation;

export const handler = http(operation, async ({ params, body, identity, log }) => {
  assertSameUser(identity, body.userId);
  await RateLimit.hit({ scope: "send", subject: body.userId, max: config.settings.limits.sendsPerMinute });
  const { message, created } = await Message.send({ ...body, roomId: params.roomId });
  log.info({ messageId: message.id, created }, created ? "message stored" : "idempotent replay");
  if (created) {
    metrics.addMetric("MessagesPosted", MetricUnit.Count, 1);
    metrics.addMetric("MessageLength", MetricUnit.Count, [...message.text].length);
  }
  return { status: created ? 201 : 200, body: { message } satisfies SendMessageResponse };
});
