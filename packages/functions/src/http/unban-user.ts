import * as Ban from "@chat/core/ban";
import { RoomUserPath } from "@chat/types";
import * as v from "valibot";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "unbanUser",
  summary: "Lift a ban",
  description: "Moderators and owners. Lifting a ban that is not there is not an error.",
  params: RoomUserPath,
  responses: { 204: { schema: v.null(), description: "Not banned" } },
  errors: ["validation_failed", "forbidden", "not_found", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId, userId } = request.params;
  await Ban.remove(roomId, callerOf(request), userId);
  return { status: 204, body: null };
});
