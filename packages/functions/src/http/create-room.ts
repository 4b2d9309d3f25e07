import * as Room from "@chat/core/room";
import { CreateRoomRequest, RoomResponse } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "createRoom",
  summary: "Create a room",
  description:
    "Creates a public (default) or private room with the caller as its owner. 409 `conflict` when the id is taken. " +
    "With `auth: none` the caller is the `x-user-id` header (display name `x-user-name`).",
  body: CreateRoomRequest,
  responses: { 201: { schema: RoomResponse, description: "Created; the caller is its owner" } },
  errors: ["invalid_json", "validation_failed", "conflict", "payload_too_large", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId, kind = "public", name } = request.body;
  const room = await Room.create({ roomId, kind, name }, callerOf(request));
  return { status: 201, body: { room } };
});
