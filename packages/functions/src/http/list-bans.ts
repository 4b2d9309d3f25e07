import * as Ban from "@chat/core/ban";
import { BansResponse, PageQuery, RoomPath } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "listBans",
  summary: "The bans in force in a room",
  description: "A page of the bans in force, by user id: moderators and owners.",
  params: RoomPath,
  query: PageQuery,
  parameters: { limit: "Page size", cursor: "The previous page's `nextCursor`" },
  responses: { 200: { schema: BansResponse, description: "A page of bans" } },
  errors: ["validation_failed", "forbidden", "not_found", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId } = request.params;
  const { items, nextCursor } = await Ban.list(roomId, callerOf(request), request.query);
  return { status: 200, body: { roomId, bans: items, nextCursor } };
});
