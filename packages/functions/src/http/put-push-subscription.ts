import * as Push from "@chat/core/push";
import { PushSubscriptionPath, PushSubscriptionRequest } from "@chat/types";
import * as v from "valibot";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "putPushSubscription",
  summary: "Save a browser's Web Push subscription",
  description:
    "The caller's subscription `{id}` (the client names it; the same id replaces it): `PushSubscription.toJSON()` " +
    "of the browser, its `endpoint` an https URL. The caller then gets a push for a new message in a room they " +
    "belong to and have no connection subscribed to, at most one per room per 30 s.",
  params: PushSubscriptionPath,
  body: PushSubscriptionRequest,
  responses: { 204: { schema: v.null(), description: "Saved" } },
  errors: ["invalid_json", "validation_failed", "unauthorized", "payload_too_large", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { endpoint, keys } = request.body;
  await Push.subscribe(callerOf(request).userId, request.params.id, { endpoint, keys });
  return { status: 204, body: null };
});
