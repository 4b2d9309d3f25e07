import * as Message from "@chat/core/message";
import * as Room from "@chat/core/room";
import { EditMessageRequest, MessagePath, MessageResponse } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "editMessage",
  summary: "Edit a message's text",
  description:
    "Its author only (403 otherwise), while they may still post in the room (banned, muted and removed users are " +
    "refused as when posting). The text is validated like a send's. 404 when the room has no such message, 409 " +
    "when it is deleted. The room's connections get a `message.updated` frame.",
  params: MessagePath,
  body: EditMessageRequest,
  responses: { 200: { schema: MessageResponse, description: "The edited message, with `editedAt`" } },
  errors: [
    "invalid_json",
    "validation_failed",
    "forbidden",
    "not_found",
    "conflict",
    "payload_too_large",
    "unavailable",
  ],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId, messageId } = request.params;
  const caller = callerOf(request);
  await Room.check("post", roomId, caller);
  const message = await Message.edit(roomId, messageId, caller.userId, request.body.text);
  request.log.info({ messageId, roomId }, "message edited");
  return { status: 200, body: { message } };
});
