import * as Room from "@chat/core/room";
import { ListRoomsResponse, PageQuery } from "@chat/types";
import { http, type Operation } from "../edge/http";

export const operation = {
  operationId: "listRooms",
  summary: "The public rooms",
  description: "A page of the public rooms, by id. Pass `nextCursor` back as `cursor` for the next page.",
  query: PageQuery,
  parameters: { limit: "Page size", cursor: "The previous page's `nextCursor`" },
  responses: { 200: { schema: ListRoomsResponse, description: "A page of public rooms" } },
  errors: ["validation_failed", "unavailable", "rate_limited"],
} as const satisfies Operation;

export const handler = http(operation, async ({ query }) => {
  const { items, nextCursor } = await Room.listPublic(query);
  return { status: 200, body: { rooms: items, nextCursor } };
});
