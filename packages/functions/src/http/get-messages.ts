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
    "whether newer ones exist. An unknown room reads as empty. For the room's readers (public: anyone not banned; " +
    "private: members; direct: its two users).",
  params: RoomPath,
  query: GetMessagesQuery,
  parameters: {
    before: "Page back from this id; not with `after`",
    after: "Read forward from this id; not with `before`",
  },
  responses: { 200: { schema: GetMessagesResponse, description: "The page" } },
  errors: ["validation_failed", "forbidden", "rate_limited", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { params, query } = request;
  const { messages, hasMore } = await asReader(request, async (caller) => {
    Room.authorize("read", { ...(await Room.access(params.roomId, caller)), caller });
    return Message.list(params.roomId, query);
  });
  return { status: 200, body: { roomId: params.roomId, messages, hasMore } };
});
