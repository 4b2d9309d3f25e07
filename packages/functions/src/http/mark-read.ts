import * as Read from "@chat/core/read";
import { MarkReadRequest, MarkReadResponse, RoomPath } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";
import { fanOut } from "../fan-out";

export const operation = {
  operationId: "markRead",
  summary: "Move the caller's read cursor in a room",
  description:
    "The cursor only moves forward: an id not newer than it changes nothing and answers the current state. " +
    "`unreadCount` counts the messages after the cursor that are not the caller's own and not deleted, up to 100 " +
    "(100 means 100 or more). A move is told to the room's connections as a `read` frame (rooms of up to 100 " +
    "connections). 404 `not_found` when the room has no such message. For the room's readers.",
  params: RoomPath,
  body: MarkReadRequest,
  responses: { 200: { schema: MarkReadResponse, description: "The cursor and the unread count" } },
  errors: ["invalid_json", "validation_failed", "forbidden", "not_found", "rate_limited", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId } = request.params;
  const caller = callerOf(request);
  const { moved, ...state } = await Read.mark(roomId, caller, request.body.messageId);
  if (moved) {
    const frame = { type: "read", roomId, userId: caller.userId, messageId: state.lastReadId } as const;
    await fanOut(roomId, frame, request.log);
  }
  return { status: 200, body: state };
});
