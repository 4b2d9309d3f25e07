import { WebhookEventType } from "@chat/types";
import * as v from "valibot";

// Side-effect free, like `../settings.ts` (which embeds these): infra/ and the local stack import it.

/** Names of SST secrets (and so of linked resources): a letter, then letters and digits. */
const SecretName = v.pipe(v.string(), v.regex(/^[A-Z][A-Za-z0-9]{0,63}$/, "must be an SST resource name"));

const isHttpsOrLoopback = (url: string): boolean => {
  if (!URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  return (
    protocol === "https:" || (protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(hostname))
  );
};

const HookUrl = v.pipe(
  v.string(),
  v.url(),
  v.check(isHttpsOrLoopback, "must be an https URL (http only on loopback, for the local stack)"),
);

/**
 * One webhook endpoint: every event of `events` is POSTed to `url`, signed with the secret held by the SST secret
 * named `secret` (a Standard Webhooks `whsec_...` key; `sst secret set <name> whsec_...`).
 */
export const WebhookEndpoint = v.object({
  url: HookUrl,
  events: v.pipe(v.array(WebhookEventType), v.minLength(1)),
  secret: SecretName,
});
export type WebhookEndpoint = v.InferOutput<typeof WebhookEndpoint>;

/**
 * The moderation hook, called before a message is stored: an HTTP endpoint (`url`) or, on AWS, a Lambda function
 * (`functionName`: a name or ARN), given `{ roomId, userId, text, parentId }`.
 */
export const ModerationSettings = v.pipe(
  v.object({
    url: v.optional(HookUrl),
    functionName: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(170))),
    /** How long the hook may take before `onError` decides. */
    timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000)), 300),
    /** What a timeout, an error or an unreadable answer means. */
    onError: v.optional(v.picklist(["allow", "reject"]), "allow"),
  }),
  v.check(
    (hook) => (hook.url === undefined) !== (hook.functionName === undefined),
    "give exactly one of url and functionName",
  ),
);
export type ModerationSettings = v.InferOutput<typeof ModerationSettings>;

/** Web Push to members away from a room. The VAPID key pair is two SST secrets, `VapidPublicKey`/`VapidPrivateKey`. */
export const PushSettings = v.object({
  /** The VAPID `sub` claim: a `mailto:` or https URL push services may contact. */
  subject: v.pipe(v.string(), v.regex(/^(mailto:|https:\/\/)/, "must be a mailto: or https URL")),
  /**
   * Rooms with more members than this get no pushes: a message costs a read of the room's member rows, so the
   * cost of a push round grows with the room (see the README, "Integrations").
   */
  maxRoomMembers: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000)), 100),
});
export type PushSettings = v.InferOutput<typeof PushSettings>;

/** A stage's integrations, in `Settings.integrations`. Absent parts are off. */
export const IntegrationSettings = v.object({
  webhooks: v.optional(v.array(WebhookEndpoint), []),
  moderation: v.optional(ModerationSettings),
  push: v.optional(PushSettings),
});
export type IntegrationSettings = v.InferOutput<typeof IntegrationSettings>;

/** The SST secrets holding the VAPID key pair (base64url, as `web-push generate-vapid-keys` prints them). */
export const vapidSecrets = { publicKey: "VapidPublicKey", privateKey: "VapidPrivateKey" } as const;
