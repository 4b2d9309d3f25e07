import * as Member from "@chat/core/member";
import { RoomUserPath } from "@chat/types";
import * as v from "valibot";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";
import { fanOut } from "../fan-out";

export const operation = {
  operationId: "unmuteUser",
  summary: "Lift a mute",
  description: "Moderators and owners. 404 `not_found` for a non-member.",
  params: RoomUserPath,
  responses: { 204: { schema: v.null(), description: "Not muted" } },
  errors: ["validation_failed", "forbidden", "not_found", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId, userId } = request.params;
  const member = await Member.unmute(roomId, callerOf(request), userId);
  await fanOut(roomId, { type: "member", roomId, event: "updated", member }, request.log);
  return { status: 204, body: null };
});
