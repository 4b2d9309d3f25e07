import * as Room from "@chat/core/room";
import { RoomPath, RoomResponse, UpdateRoomRequest } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "updateRoom",
  summary: "Rename a room or set its slow mode",
  description:
    "For its owners and moderators (and stage admins). `slowModeSeconds` (0–3600, 0 is off): users below moderator " +
    "may post once per that many seconds; a second post inside the interval is 429 `rate_limited` with " +
    "`retry-after`. At least one field. Not in direct rooms. " +
    "With `auth: none` the caller is the `x-user-id` header.",
  params: RoomPath,
  body: UpdateRoomRequest,
  responses: { 200: { schema: RoomResponse, description: "The room as it now is" } },
  errors: ["invalid_json", "validation_failed", "forbidden", "not_found", "payload_too_large", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => ({
  status: 200,
  body: { room: await Room.update(request.params.roomId, request.body, callerOf(request)) },
}));
