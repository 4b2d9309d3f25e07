import { Limits, RoomPath, SendMessageRequest, SendMessageResponse } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { resolveCaller } from "../edge/identity";
import { sendMessage } from "../use-cases/send-message";

export const operation = {
  operationId: "sendMessage",
  summary: "Post a message to a room",
  description:
    "With token auth, the sender is the token's subject and `userId` / `username` may be left out (a `userId` " +
    "other than the token's subject is 403; `username` is used only when the token has no `name` or " +
    "`preferred_username` claim). Without token auth both are required. " +
    `A \`clientMessageId\` makes the send idempotent for ${Limits.idempotencyTtlSeconds / 3600} hours per (roomId, ` +
    "userId, clientMessageId): a repeat answers 200 with the first message and stores nothing new, so retry freely. " +
    "With `parentId` the message is a reply to that top-level message of the room (threads are one level deep): " +
    "404 `not_found` when the room has no such message, 400 `validation_failed` when it is itself a reply. The " +
    "reply and the parent's `replyCount` are stored in one transaction, so a replay never counts twice. " +
    `Bodies over ${Limits.maxBodyBytes} bytes get 413; unknown body fields are refused. A text with a word of the ` +
    "room's blocklist, or one the stage's moderation hook rejects, is 422 `blocked` and stored nowhere; the hook " +
    "may also replace the text.",
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
    "not_found",
    "payload_too_large",
    "blocked",
    "rate_limited",
    "unavailable",
  ],
} as const satisfies Operation;

export const handler = http(operation, async ({ params, body, identity, log }) => {
  const { userId, username, admin } = resolveCaller(identity, body);
  const { text, clientMessageId, parentId } = body;
  const input = { roomId: params.roomId, userId, username, text, clientMessageId, parentId };
  const { message, created } = await sendMessage(input, log, { admin });
  return { status: created ? 201 : 200, body: { message } };
});
