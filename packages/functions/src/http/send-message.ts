import { Limits, RoomPath, SendMessageRequest, SendMessageResponse } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { assertSameUser } from "../edge/identity";
import { sendMessage } from "../use-cases/send-message";

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
  const { message, created } = await sendMessage({ ...body, roomId: params.roomId }, log);
  return { status: created ? 201 : 200, body: { message } };
});
