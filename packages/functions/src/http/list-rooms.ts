import * as Room from "@chat/core/room";
import { ListRoomsResponse } from "@chat/types";
import { http, type Operation } from "../edge/http";

export const operation = {
  operationId: "listRooms",
  summary: "Every room",
  responses: { 200: { schema: ListRoomsResponse, description: "The rooms" } },
  errors: ["unavailable", "rate_limited"],
} as const satisfies Operation;

export const handler = http(operation, async () => ({
  status: 200,
  body: { rooms: await Room.list() },
}));
