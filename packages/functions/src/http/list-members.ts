import * as Presence from "@chat/core/presence";
import { MembersResponse, RoomPath } from "@chat/types";
import { http, type Operation } from "../edge/http";

export const operation = {
  operationId: "listMembers",
  summary: "Who is in a room now",
  description: "One entry per user with at least one WebSocket connection subscribed to the room.",
  params: RoomPath,
  responses: { 200: { schema: MembersResponse, description: "The members" } },
  errors: ["validation_failed", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async ({ params }) => ({
  status: 200,
  body: { roomId: params.roomId, members: await Presence.list(params.roomId) },
}));
