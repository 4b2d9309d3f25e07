import * as Ban from "@chat/core/ban";
import { BanRequest, RoomUserPath } from "@chat/types";
import * as v from "valibot";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";
import { fanOut } from "../fan-out";
import { endMembership } from "../use-cases/end-membership";

export const operation = {
  operationId: "banUser",
  summary: "Ban a user from a room",
  description:
    "Moderators and owners; not an owner, and moderators not each other; not in direct rooms. Removes the " +
    "membership; the user cannot rejoin, read, post or subscribe until unbanned or `until` passes. Their " +
    "connections stop receiving the room before this returns.",
  params: RoomUserPath,
  body: BanRequest,
  responses: { 204: { schema: v.null(), description: "Banned" } },
  errors: ["invalid_json", "validation_failed", "forbidden", "not_found", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId, userId } = request.params;
  const { member } = await Ban.put(roomId, callerOf(request), userId, request.body);
  await endMembership(roomId, userId, "banned", request.log);
  if (member) await fanOut(roomId, { type: "member", roomId, event: "removed", member }, request.log);
  return { status: 204, body: null };
});
