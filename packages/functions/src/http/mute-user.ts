import * as Member from "@chat/core/member";
import { MuteRequest, RoomUserPath } from "@chat/types";
import * as v from "valibot";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";
import { fanOut } from "../fan-out";

export const operation = {
  operationId: "muteUser",
  summary: "Mute a member",
  description:
    "Moderators and owners; not an owner, and moderators not each other; not in direct rooms. A muted member " +
    "reads but cannot post until unmuted or `until` passes. 404 `not_found` for a non-member.",
  params: RoomUserPath,
  body: MuteRequest,
  responses: { 204: { schema: v.null(), description: "Muted" } },
  errors: ["invalid_json", "validation_failed", "forbidden", "not_found", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId, userId } = request.params;
  const member = await Member.mute(roomId, callerOf(request), userId, request.body.until);
  await fanOut(roomId, { type: "member", roomId, event: "updated", member }, request.log);
  return { status: 204, body: null };
});
