import * as Member from "@chat/core/member";
import { MyRoomsResponse, PageQuery } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "myRooms",
  summary: "The caller's rooms",
  description:
    "The rooms the caller is a member of, latest activity first (rooms without messages last), with the caller's " +
    "role and the room's newest message.",
  query: PageQuery,
  parameters: { limit: "Page size", cursor: "The previous page's `nextCursor`" },
  responses: { 200: { schema: MyRoomsResponse, description: "A page of the caller's rooms" } },
  errors: ["validation_failed", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { items, nextCursor } = await Member.rooms(callerOf(request), request.query);
  return { status: 200, body: { rooms: items, nextCursor } };
});
