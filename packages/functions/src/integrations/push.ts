import * as Push from "@chat/core/push";
import type { ChatMessage, PushPayload } from "@chat/types";
import { Limits } from "@chat/types";
import { Resource } from "sst/resource";
import type { Logger } from "../observability";
import type { PushSettings } from "./settings";

/** At most one push per room per user in this window. */
export const pushWindowMs = 30_000;

/** The payload of a message's push: its text cut to 100 code points. */
export const payloadOf = (message: ChatMessage): PushPayload => ({
  roomId: message.roomId,
  messageId: message.id,
  username: message.username,
  text: [...message.text].slice(0, Limits.pushTextMaxLength).join(""),
});

/**
 * Pushes a new message to the room's members who are away (no connection subscribed to it) and have a browser
 * subscription, at most once per room per 30 s each (a conditional write claims the slot): Web Push with VAPID and
 * `aes128gcm` (the `web-push` package). An endpoint answering 404 or 410 is gone: its subscription is deleted.
 * Rooms with more than `maxRoomMembers` members are skipped. Returns what happened, for the log. `web-push` loads
 * on the first push (a chunk of its own when bundled): the consumer's cold start does not read it.
 */
export const pushMessage = async (message: ChatMessage, settings: PushSettings, log: Logger) => {
  const outcome = { away: 0, pushed: 0, coalesced: 0, gone: 0, failed: 0, skipped: false };
  const away = await Push.awayMembers(message.roomId, message.userId, settings.maxRoomMembers);
  if (away === null) return { ...outcome, skipped: true };
  outcome.away = away.length;
  const vapidDetails = {
    subject: settings.subject,
    publicKey: Resource.VapidPublicKey.value,
    privateKey: Resource.VapidPrivateKey.value,
  };
  const payload = JSON.stringify(payloadOf(message));
  const { default: webpush } = await import("web-push");
  await Promise.all(
    away.map(async (userId) => {
      const subscriptions = await Push.subscriptionsOf(userId);
      if (subscriptions.length === 0) return;
      if (!(await Push.claimSlot(message.roomId, userId, pushWindowMs))) {
        outcome.coalesced++;
        return;
      }
      for (const subscription of subscriptions) {
        try {
          await webpush.sendNotification(
            {
              endpoint: subscription.endpoint,
              keys: { p256dh: subscription.p256dh, auth: subscription.auth },
            },
            payload,
            { vapidDetails, contentEncoding: "aes128gcm", TTL: 3_600, urgency: "normal", timeout: 5_000 },
          );
          outcome.pushed++;
        } catch (error) {
          const status = (error as { statusCode?: number }).statusCode;
          if (status === 404 || status === 410) {
            await Push.unsubscribe(userId, subscription.subscriptionId);
            outcome.gone++;
          } else {
            outcome.failed++;
            log.warn({ userId, status, err: String(error) }, "push failed");
          }
        }
      }
    }),
  );
  return outcome;
};
