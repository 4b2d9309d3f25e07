import * as Room from "@chat/core/room";
import { RoomResponse, UserPath } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "openDirectRoom",
  summary: "The direct room of the caller and another user",
  description:
    "The one direct room of the two users, the same id whoever asks: created the first time (201) with both as " +
    "members, returned after (200). Only its two users may read or post in it; nobody manages it.",
  params: UserPath,
  parameters: { userId: "The other user" },
  responses: {
    201: { schema: RoomResponse, description: "Created" },
    200: { schema: RoomResponse, description: "It existed" },
  },
  errors: ["validation_failed", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { room, created } = await Room.ensureDirect(callerOf(request), request.params.userId);
  return { status: created ? 201 : 200, body: { room } };
});
