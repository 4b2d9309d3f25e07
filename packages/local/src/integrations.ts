import { generateKeyPairSync } from "node:crypto";
import { integrationsFilters } from "@chat/core/webhook/filter";
import type { IntegrationSettings } from "@chat/functions/integrations/settings";
import { maxDeliveryAttempts } from "@chat/functions/integrations/webhooks";
import { WebhookEventType } from "@chat/types";
import type { Functions } from "./lambda";
import { createLocalQueue, serveQueues } from "./sqs-queue";
import { startStreamPoller } from "./stream-poller";

/** The SST secret the local stack's one webhook endpoint signs with. */
export const localWebhookSecret = "WebhookSecret";

/**
 * `pnpm dev`'s integrations, from its environment: `CHAT_WEBHOOK_URL` + `CHAT_WEBHOOK_SECRET` (a `whsec_...`
 * key) for one endpoint receiving every event type, `CHAT_MODERATION_URL` (+ `CHAT_MODERATION_TIMEOUT_MS`,
 * `CHAT_MODERATION_ON_ERROR`), and Web Push (`CHAT_PUSH_SUBJECT`, on by default). Throws naming a bad setting.
 */
export const integrationsFromEnvironment = (
  env: NodeJS.ProcessEnv,
): { integrations: IntegrationSettings; secrets: Record<string, string> } => {
  const secrets: Record<string, string> = {};
  const integrations: IntegrationSettings = { webhooks: [] };
  if (env.CHAT_WEBHOOK_URL) {
    if (!env.CHAT_WEBHOOK_SECRET?.startsWith("whsec_")) {
      throw new Error(
        "CHAT_WEBHOOK_URL needs CHAT_WEBHOOK_SECRET, a whsec_... key (base64 after the prefix)",
      );
    }
    integrations.webhooks.push({
      url: env.CHAT_WEBHOOK_URL,
      events: [...WebhookEventType.options],
      secret: localWebhookSecret,
    });
    secrets[localWebhookSecret] = env.CHAT_WEBHOOK_SECRET;
  }
  if (env.CHAT_MODERATION_URL) {
    const timeoutMs = Number(env.CHAT_MODERATION_TIMEOUT_MS || 300);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 1_000) {
      throw new Error(
        `CHAT_MODERATION_TIMEOUT_MS must be 1 to 1000, got "${env.CHAT_MODERATION_TIMEOUT_MS}"`,
      );
    }
    const onError = env.CHAT_MODERATION_ON_ERROR || "allow";
    if (onError !== "allow" && onError !== "reject") {
      throw new Error(`CHAT_MODERATION_ON_ERROR must be "allow" or "reject", got "${onError}"`);
    }
    integrations.moderation = { url: env.CHAT_MODERATION_URL, timeoutMs, onError };
  }
  integrations.push = { subject: env.CHAT_PUSH_SUBJECT || "mailto:chat@localhost", maxRoomMembers: 100 };
  return { integrations, secrets };
};

/** The SST `Resource` variables of secrets, as a Lambda linked to them gets them. */
export const secretEnvironment = (secrets: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(secrets).map(([name, value]) => [
      `SST_RESOURCE_${name}`,
      JSON.stringify({ value, type: "sst.sst.Secret" }),
    ]),
  );

/**
 * The webhook queue and its failure queue, served on loopback for the SDK (the queue emulation stands in for SQS,
 * which cannot run here). Started before the handlers' environment is set: it names the queue's URL. The deliverer
 * is attached once loaded.
 */
export const startWebhookQueue = async ({ delayScale = 1 }: { delayScale?: number | undefined }) => {
  let deliverer: Functions["webhookDeliverer"] | undefined;
  const queue = createLocalQueue({
    name: "chat-local-webhooks",
    // As on AWS (infra/integrations.ts): longer than one delivery's 10 s timeout.
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: maxDeliveryAttempts,
    delayScale,
    invoke: (event) => {
      if (!deliverer) throw new Error("the webhook deliverer is not loaded yet");
      return deliverer(event);
    },
  });
  const server = await serveQueues([queue]);
  return {
    queue,
    environment: { AWS_ENDPOINT_URL_SQS: server.endpoint },
    url: server.urlOf(queue),
    attach: (functions: Functions) => {
      deliverer = functions.webhookDeliverer;
    },
    stop: async () => {
      await queue.stop();
      await server.close();
    },
  };
};

/** The integrations consumer: a second reader of the stream, with its own filters. */
export const startIntegrationsPoller = (tableName: string, functions: Functions) =>
  startStreamPoller({ tableName, invoke: functions.integrations, filters: integrationsFilters });

/**
 * The VAPID key pair of this run: `CHAT_VAPID_PUBLIC_KEY` / `CHAT_VAPID_PRIVATE_KEY` when both are set, else a new
 * P-256 pair (base64url: the public key uncompressed, 65 bytes; the private key's 32-byte scalar).
 */
export const vapidKeys = (env: NodeJS.ProcessEnv): { publicKey: string; privateKey: string } => {
  if (env.CHAT_VAPID_PUBLIC_KEY && env.CHAT_VAPID_PRIVATE_KEY) {
    return { publicKey: env.CHAT_VAPID_PUBLIC_KEY, privateKey: env.CHAT_VAPID_PRIVATE_KEY };
  }
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const jwk = privateKey.export({ format: "jwk" });
  const raw = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? "", "base64url"),
    Buffer.from(jwk.y ?? "", "base64url"),
  ]);
  return { publicKey: raw.toString("base64url"), privateKey: jwk.d ?? "" };
};
