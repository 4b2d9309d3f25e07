import * as Message from "@chat/core/message";
import * as Room from "@chat/core/room";
import { GetRepliesQuery, GetRepliesResponse, RoomMessagePath } from "@chat/types";
import { asReader } from "../edge/caller";
import { http, type Operation } from "../edge/http";

export const operation = {
  operationId: "getReplies",
  summary: "A page of a thread's replies, oldest first",
  description:
    "Paged like the room's history: without `after`, the newest `limit` replies (older than `before` if given), " +
    "`hasMore` saying whether older ones exist; with `after`, the oldest `limit` newer than it, `hasMore` saying " +
    "whether newer ones exist. 404 `not_found` when the room has no such message; a reply has no replies (an " +
    "empty page). For the room's readers.",
  params: RoomMessagePath,
  query: GetRepliesQuery,
  parameters: {
    before: "Page back from this reply id; not with `after`",
    after: "Read forward from this reply id; not with `before`",
  },
  responses: { 200: { schema: GetRepliesResponse, description: "The page" } },
  errors: ["validation_failed", "forbidden", "not_found", "rate_limited", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId, messageId } = request.params;
  const { messages, hasMore } = await asReader(request, async (caller) => {
    Room.authorize("read", { ...(await Room.access(roomId, caller)), caller });
    return Message.replies(roomId, messageId, request.query);
  });
  return { status: 200, body: { roomId, parentId: messageId, messages, hasMore } };
});
