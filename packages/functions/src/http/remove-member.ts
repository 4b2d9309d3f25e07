import * as Member from "@chat/core/member";
import { RoomUserPath } from "@chat/types";
import * as v from "valibot";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";
import { fanOut } from "../fan-out";
import { endMembership } from "../use-cases/end-membership";

export const operation = {
  operationId: "removeMember",
  summary: "Remove a member, or leave",
  description:
    "Oneself (leave); moderators a `member`; owners anyone. Not in direct rooms; the last owner cannot leave (409 " +
    "`conflict`). The user's connections stop receiving the room before this returns.",
  params: RoomUserPath,
  responses: { 204: { schema: v.null(), description: "Removed" } },
  errors: ["validation_failed", "forbidden", "not_found", "conflict", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId, userId } = request.params;
  const { reason, member } = await Member.remove(roomId, callerOf(request), userId);
  await endMembership(roomId, userId, reason, request.log);
  await fanOut(roomId, { type: "member", roomId, event: "removed", member }, request.log);
  return { status: 204, body: null };
});
