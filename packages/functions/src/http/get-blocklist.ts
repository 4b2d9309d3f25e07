import * as Blocklist from "@chat/core/blocklist";
import { BlocklistResponse, RoomPath } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "getBlocklist",
  summary: "A room's blocklist",
  description:
    "Moderators and owners: the words a message of this room may not contain (lower-cased, sorted).",
  params: RoomPath,
  responses: { 200: { schema: BlocklistResponse, description: "The blocklist" } },
  errors: ["validation_failed", "forbidden", "not_found", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId } = request.params;
  return { status: 200, body: { roomId, words: await Blocklist.get(roomId, callerOf(request)) } };
});
