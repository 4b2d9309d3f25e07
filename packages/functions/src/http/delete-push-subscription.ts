import * as Push from "@chat/core/push";
import { PushSubscriptionPath } from "@chat/types";
import * as v from "valibot";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "deletePushSubscription",
  summary: "Forget a browser's Web Push subscription",
  description: "The caller's subscription `{id}`; none is fine (204 either way).",
  params: PushSubscriptionPath,
  responses: { 204: { schema: v.null(), description: "Forgotten" } },
  errors: ["validation_failed", "unauthorized", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  await Push.unsubscribe(callerOf(request).userId, request.params.id);
  return { status: 204, body: null };
});
