import { VapidPublicKeyResponse } from "@chat/types";
import { Resource } from "sst/resource";
import { http, type Operation } from "../edge/http";

export const operation = {
  operationId: "getVapidPublicKey",
  summary: "The Web Push application server key",
  description: "The VAPID public key (base64url) a browser subscribes with (`applicationServerKey`).",
  responses: { 200: { schema: VapidPublicKeyResponse, description: "The key" } },
} as const satisfies Operation;

export const handler = http(operation, async () => ({
  status: 200,
  body: { publicKey: Resource.VapidPublicKey.value },
}));
