import * as Message from "@chat/core/message";
import * as Room from "@chat/core/room";
import { GetMessagesQuery, GetMessagesResponse, RoomPath } from "@chat/types";
import { asReader } from "../edge/caller";
import { http, type Operation } from "../edge/http";

export const operation = {
  operationId: "getMessages",
  summary: "A page of a room's messages, oldest first",
  description:
    "Without `after`: the newest `limit` messages (older than `before` if given); `hasMore` says whether older " +
    "ones exist. With `after`: the oldest `limit` messages newer than it (reconnect catch-up); `hasMore` says " +
    "whether newer ones exist. With `around` (a message id, alone): the page around that message, about half " +
    "older, the message, the rest newer, with `hasOlder` and `hasNewer` (`hasMore` equals `hasOlder`); 404 " +
    "`not_found` when the room has no such message. An unknown room reads as empty. For the room's readers " +
    "(public: anyone not banned; private: members; direct: its two users).",
  params: RoomPath,
  query: GetMessagesQuery,
  parameters: {
    before: "Page back from this id; not with `after`",
    after: "Read forward from this id; not with `before`",
    around: "The page around this id (jump to a message); not with `before` or `after`",
  },
  responses: { 200: { schema: GetMessagesResponse, description: "The page" } },
  errors: ["validation_failed", "forbidden", "not_found", "rate_limited", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { params, query } = request;
  const { roomId } = params;
  const body = await asReader(request, async (caller) => {
    Room.authorize("read", { ...(await Room.access(roomId, caller)), caller });
    if (query.around === undefined) return { roomId, ...(await Message.list(roomId, query)) };
    const page = await Message.around(roomId, query.around, query.limit);
    return { roomId, ...page, hasMore: page.hasOlder };
  });
  return { status: 200, body };
});
