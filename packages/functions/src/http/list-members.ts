import * as Member from "@chat/core/member";
import { MembersResponse, PageQuery, RoomPath } from "@chat/types";
import { asReader } from "../edge/caller";
import { http, type Operation } from "../edge/http";

export const operation = {
  operationId: "listMembers",
  summary: "A room's members",
  description:
    "A page of the room's members by user id, with role, mute and whether they are connected now, for the room's " +
    "readers. (CHANGE: this was the presence list, now `GET /rooms/{roomId}/presence`.)",
  params: RoomPath,
  query: PageQuery,
  parameters: { limit: "Page size", cursor: "The previous page's `nextCursor`" },
  responses: { 200: { schema: MembersResponse, description: "A page of members" } },
  errors: ["validation_failed", "forbidden", "not_found", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId } = request.params;
  const { items, nextCursor } = await asReader(request, (caller) =>
    Member.list(roomId, caller, request.query),
  );
  return { status: 200, body: { roomId, members: items, nextCursor } };
});
