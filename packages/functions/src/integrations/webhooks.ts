import type { WebhookEventOf } from "@chat/core/webhook";
import { Resource } from "sst/resource";
import { Webhook } from "standardwebhooks";
import type { WebhookEndpoint } from "./settings";

/** What the webhook queue carries: one event for one endpoint (the secret by its SST name, never its value). */
export interface WebhookDelivery {
  url: string;
  secret: string;
  event: WebhookEventOf;
}

/** The deliveries an event makes: one per endpoint that wants its type. */
export const deliveriesOf = (events: readonly WebhookEventOf[], endpoints: readonly WebhookEndpoint[]) =>
  events.flatMap((event) =>
    endpoints
      .filter((endpoint) => endpoint.events.includes(event.type))
      .map((endpoint): WebhookDelivery => ({ url: endpoint.url, secret: endpoint.secret, event })),
  );

/**
 * Seconds before each retry of a failed delivery: the first within 10 s, then growing, about 24 h in all
 * (85,355 s over 10 retries, so 11 attempts). SQS visibility timeouts top out at 12 h.
 */
export const retryDelaysSeconds = [5, 30, 120, 600, 1_800, 3_600, 7_200, 14_400, 28_800, 28_800] as const;

/** Attempts before a delivery goes to the failure queue (the queue's redrive `maxReceiveCount`). */
export const maxDeliveryAttempts = retryDelaysSeconds.length + 1;

/** How long one POST may take before it counts as no answer. */
export const deliveryTimeoutMs = 10_000;

/** The secret an endpoint signs with: the value of the SST secret it names (`whsec_...`). */
const secretValue = (name: string): string =>
  (Resource as unknown as Record<string, { value: string }>)[name]?.value ?? "";

/**
 * POSTs one event, signed per Standard Webhooks (`webhook-id` = the event id, `webhook-timestamp` = now,
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`) with the `standardwebhooks` package.
 * Resolves whether the endpoint took it (2xx); no answer within the timeout is a failure.
 */
export const post = async ({
  url,
  secret,
  event,
}: WebhookDelivery): Promise<{ ok: boolean; status: number | null }> => {
  const body = JSON.stringify(event);
  const signer = new Webhook(secretValue(secret));
  const sentAt = new Date();
  const signature = signer.sign(event.id, sentAt, body);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "chat-webhooks/1",
        "webhook-id": event.id,
        "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
        "webhook-signature": signature,
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(deliveryTimeoutMs),
    });
    await response.body?.cancel();
    return { ok: response.status >= 200 && response.status < 300, status: response.status };
  } catch {
    return { ok: false, status: null };
  }
};
