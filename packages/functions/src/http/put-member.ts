import * as Member from "@chat/core/member";
import { MemberResponse, PutMemberRequest, RoomUserPath } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";
import { fanOut } from "../fan-out";

export const operation = {
  operationId: "putMember",
  summary: "Add a member, or change a member's role",
  description:
    "Oneself into a public room as `member` (join); moderators and owners anyone as `member`; owners any role. The " +
    "last owner cannot step down (409 `conflict`). Not in direct rooms.",
  params: RoomUserPath,
  body: PutMemberRequest,
  responses: {
    201: { schema: MemberResponse, description: "Added" },
    200: { schema: MemberResponse, description: "Changed (or already so)" },
  },
  errors: ["invalid_json", "validation_failed", "forbidden", "not_found", "conflict", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId, userId } = request.params;
  const { member, created } = await Member.put(roomId, callerOf(request), userId, request.body);
  const event = created ? "added" : "updated";
  await fanOut(roomId, { type: "member", roomId, event, member }, request.log);
  return { status: created ? 201 : 200, body: { member } };
});
