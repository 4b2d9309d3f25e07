import * as Room from "@chat/core/room";
import { GetRoomResponse, RoomPath } from "@chat/types";
import { asReader } from "../edge/caller";
import { http, type Operation } from "../edge/http";

export const operation = {
  operationId: "getRoom",
  summary: "A room, the caller's role in it, and how many are online",
  description: "For its readers (public: anyone not banned; private: members; direct: its two users).",
  params: RoomPath,
  responses: { 200: { schema: GetRoomResponse, description: "The room" } },
  errors: ["validation_failed", "forbidden", "not_found", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => ({
  status: 200,
  body: await asReader(request, (caller) => Room.get(request.params.roomId, caller)),
}));
