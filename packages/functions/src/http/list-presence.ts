import * as Presence from "@chat/core/presence";
import * as Room from "@chat/core/room";
import { Limits, PresenceResponse, RoomPath } from "@chat/types";
import { asReader } from "../edge/caller";
import { http, type Operation } from "../edge/http";

export const operation = {
  operationId: "listPresence",
  summary: "Who is connected to a room now",
  description:
    `One entry per user with a WebSocket connection subscribed to the room, at most ${Limits.presenceMaxUsers}; ` +
    "`count` is exact. For the room's readers.",
  params: RoomPath,
  responses: { 200: { schema: PresenceResponse, description: "Who is here" } },
  errors: ["validation_failed", "forbidden", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId } = request.params;
  const users = await asReader(request, async (caller) => {
    Room.authorize("read", { ...(await Room.access(roomId, caller)), caller });
    return Presence.list(roomId);
  });
  return {
    status: 200,
    body: { roomId, count: users.length, users: users.slice(0, Limits.presenceMaxUsers) },
  };
});
