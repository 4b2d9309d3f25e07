import { Reaction } from "@chat/core/message";
import * as Room from "@chat/core/room";
import { PageQuery, ReactionPath, ReactionUsersResponse } from "@chat/types";
import { asReader } from "../edge/caller";
import { http, type Operation } from "../edge/http";

export const operation = {
  operationId: "listReactions",
  summary: "Who reacted to a message with an emoji",
  description:
    "A page of the users, by user id: the room's readers. A deleted message has none. 404 no such message.",
  params: ReactionPath,
  query: PageQuery,
  parameters: { limit: "Page size", cursor: "The previous page's `nextCursor`" },
  responses: { 200: { schema: ReactionUsersResponse, description: "A page of users" } },
  errors: ["validation_failed", "forbidden", "not_found", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId, messageId, emoji } = request.params;
  const { items, nextCursor } = await asReader(request, async (caller) => {
    Room.authorize("read", { ...(await Room.access(roomId, caller)), caller });
    return Reaction.users(roomId, messageId, emoji, request.query);
  });
  return { status: 200, body: { users: items, nextCursor } };
});
