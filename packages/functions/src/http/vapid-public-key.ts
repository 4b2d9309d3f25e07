import { AppError } from "@chat/core/error";
import { VapidPublicKeyResponse } from "@chat/types";
import { Resource } from "sst/resource";
import { http, type Operation } from "../edge/http";
import { config } from "../runtime-config";

export const operation = {
  operationId: "getVapidPublicKey",
  summary: "The Web Push application server key",
  description:
    "The VAPID public key (base64url) a browser subscribes with (`applicationServerKey`); 404 when the stage " +
    "has Web Push off.",
  responses: { 200: { schema: VapidPublicKeyResponse, description: "The key" } },
  errors: ["not_found"],
} as const satisfies Operation;

export const handler = http(operation, async () => {
  if (!config.settings.integrations.push)
    throw new AppError("not_found", "Web Push is not enabled on this stage");
  return { status: 200, body: { publicKey: Resource.VapidPublicKey.value } };
});
