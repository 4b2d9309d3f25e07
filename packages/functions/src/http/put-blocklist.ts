import * as Blocklist from "@chat/core/blocklist";
import { BlocklistRequest, BlocklistResponse, Limits, RoomPath } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "putBlocklist",
  summary: "Replace a room's blocklist",
  description:
    `Moderators and owners; not in direct rooms. At most ${Limits.blocklistMaxWords} words or phrases of 1 to ` +
    `${Limits.blockedWordMaxLength} characters; \`[]\` clears the list. A message containing one as a whole word ` +
    "(case-insensitive, Unicode-aware: letters and digits around it make it part of another word) is 422 `blocked`.",
  params: RoomPath,
  body: BlocklistRequest,
  responses: { 200: { schema: BlocklistResponse, description: "The blocklist as stored" } },
  errors: ["invalid_json", "validation_failed", "forbidden", "not_found", "payload_too_large", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId } = request.params;
  const words = await Blocklist.put(roomId, callerOf(request), request.body.words);
  return { status: 200, body: { roomId, words } };
});
