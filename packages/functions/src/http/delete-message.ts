import * as Message from "@chat/core/message";
import { MessagePath, MessageResponse } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "deleteMessage",
  summary: "Delete a message, leaving a tombstone",
  description:
    "Its author, or a moderator or owner of the room. The message keeps its place in history as a tombstone " +
    '(`text` "", `deletedAt` set, `reactions` []). Deleting it again answers 200 with the same tombstone. 404 when ' +
    "the room has no such message. The room's connections get a `message.deleted` frame.",
  params: MessagePath,
  responses: { 200: { schema: MessageResponse, description: "The tombstone" } },
  errors: ["validation_failed", "forbidden", "not_found", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId, messageId } = request.params;
  const message = await Message.remove(roomId, messageId, callerOf(request));
  request.log.info({ messageId, roomId }, "message deleted");
  return { status: 200, body: { message } };
});
