import * as v from "valibot";
import { RoomId, Timestamp, UserId } from "./fields";
import { Limits } from "./limits";
import { ChatMessage } from "./message";
import { Member, Room } from "./room";

// ---------------------------------------------------------------- blocklists

const codePointLength = (value: string): number => [...value].length;

/** One blocklisted word or phrase: trimmed, 1–50 code points, no control characters. Matched case-insensitively. */
export const BlockedWord = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.check((value) => value.isWellFormed(), "must not contain lone surrogates"),
  v.check((value) => !/\p{Cc}/u.test(value), "must not contain control characters"),
  v.check(
    (value) => codePointLength(value) >= 1 && codePointLength(value) <= Limits.blockedWordMaxLength,
    `must be 1 to ${Limits.blockedWordMaxLength} characters`,
  ),
);

/** `PUT /rooms/{roomId}/blocklist`: the room's whole blocklist (it replaces the previous one; `[]` clears it). */
export const BlocklistRequest = v.strictObject({
  words: v.pipe(
    v.array(BlockedWord, "must be an array of words"),
    v.maxLength(Limits.blocklistMaxWords, `must list at most ${Limits.blocklistMaxWords} words`),
  ),
});
export type BlocklistRequest = v.InferOutput<typeof BlocklistRequest>;

/** A room's blocklist: lower-cased, deduplicated, sorted. */
export const BlocklistResponse = v.object({ roomId: RoomId, words: v.array(v.string()) });
export type BlocklistResponse = v.InferOutput<typeof BlocklistResponse>;

// ---------------------------------------------------------------- moderation hook

/** What the moderation hook is sent before a message is stored. */
export const ModerationRequest = v.object({
  roomId: RoomId,
  userId: UserId,
  text: v.string(),
  parentId: v.nullable(v.string()),
});
export type ModerationRequest = v.InferOutput<typeof ModerationRequest>;

/** The moderation hook's answer. A `replace` text is validated like a message's text. */
export const ModerationVerdict = v.variant("action", [
  v.object({ action: v.literal("allow") }),
  v.object({ action: v.literal("reject"), reason: v.optional(v.pipe(v.string(), v.maxLength(200))) }),
  v.object({ action: v.literal("replace"), text: v.string() }),
]);
export type ModerationVerdict = v.InferOutput<typeof ModerationVerdict>;

// ---------------------------------------------------------------- Web Push

const base64Url = (max: number) =>
  v.pipe(
    v.string("must be a string"),
    v.regex(/^[A-Za-z0-9_-]+={0,2}$/, "must be base64url"),
    v.maxLength(max, `must be at most ${max} characters`),
  );

/** `{id}` of `/me/push-subscriptions/{id}`: the client's name for one browser's subscription. */
export const PushSubscriptionPath = v.object({
  id: v.pipe(
    v.string("must be a string"),
    v.regex(Limits.clientMessageIdPattern, "must be 1 to 64 of A-Z, a-z, 0-9, _ and -"),
  ),
});
export type PushSubscriptionPath = v.InferOutput<typeof PushSubscriptionPath>;

/** A browser's Web Push subscription (`PushSubscription.toJSON()` without `expirationTime`). */
export const PushSubscriptionRequest = v.object({
  endpoint: v.pipe(
    v.string("must be a string"),
    v.maxLength(Limits.pushEndpointMaxLength, `must be at most ${Limits.pushEndpointMaxLength} characters`),
    v.url("must be a URL"),
    v.startsWith("https://", "must be an https URL"),
  ),
  keys: v.object({ p256dh: base64Url(200), auth: base64Url(100) }),
  expirationTime: v.optional(v.nullable(v.number())),
});
export type PushSubscriptionRequest = v.InferOutput<typeof PushSubscriptionRequest>;

/** `GET /push/vapid-public-key`: the application server key browsers subscribe with (base64url). */
export const VapidPublicKeyResponse = v.object({ publicKey: v.string() });
export type VapidPublicKeyResponse = v.InferOutput<typeof VapidPublicKeyResponse>;

/** The payload of a push (decrypted by the browser): a new message in a room the user is away from. */
export const PushPayload = v.object({
  roomId: RoomId,
  messageId: v.string(),
  username: v.string(),
  /** The message's text, cut to 100 code points. */
  text: v.string(),
});
export type PushPayload = v.InferOutput<typeof PushPayload>;

// ---------------------------------------------------------------- webhooks

/** Every webhook event type of the contract. */
export const WebhookEventType = v.picklist([
  "message.created",
  "message.updated",
  "message.deleted",
  "reaction.added",
  "reaction.removed",
  "member.added",
  "member.removed",
  "room.created",
]);
export type WebhookEventType = v.InferOutput<typeof WebhookEventType>;

/** The `data` of each event type. */
export const WebhookEventData = {
  "message.created": v.object({ message: ChatMessage }),
  "message.updated": v.object({ message: ChatMessage }),
  "message.deleted": v.object({ message: ChatMessage }),
  "reaction.added": v.object({ roomId: RoomId, messageId: v.string(), emoji: v.string(), userId: UserId }),
  "reaction.removed": v.object({ roomId: RoomId, messageId: v.string(), emoji: v.string(), userId: UserId }),
  "member.added": v.object({ roomId: RoomId, member: Member }),
  "member.removed": v.object({ roomId: RoomId, userId: UserId }),
  "room.created": v.object({ room: Room }),
} as const satisfies Record<WebhookEventType, v.GenericSchema>;
export type WebhookEventData<T extends WebhookEventType> = v.InferOutput<(typeof WebhookEventData)[T]>;

/** The body of a webhook POST. `id` is stable across retries (the `webhook-id` header carries it too). */
export const WebhookEvent = v.object({
  id: v.string(),
  type: WebhookEventType,
  createdAt: Timestamp,
  /** The event's payload: the shape `WebhookEventData` gives for its `type`. */
  data: v.union(Object.values(WebhookEventData)),
});
export type WebhookEvent = v.InferOutput<typeof WebhookEvent>;
