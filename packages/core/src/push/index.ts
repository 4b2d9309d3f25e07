import { conditionally, storage } from "../error";
import { MemberEntity } from "../member/member-entity";
import { PresenceEntity } from "../presence/presence-entity";
import { PushSlotEntity } from "./push-slot-entity";
import { PushSubscriptionEntity, type PushSubscriptionItem } from "./push-subscription-entity";

export { PushSlotEntity } from "./push-slot-entity";
export { PushSubscriptionEntity, type PushSubscriptionItem } from "./push-subscription-entity";

export interface Subscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** Saves (or replaces) one of a user's browser subscriptions. 1 WCU. */
export const subscribe = (
  userId: string,
  subscriptionId: string,
  { endpoint, keys }: Subscription,
): Promise<void> =>
  storage(async () => {
    await PushSubscriptionEntity.put({
      userId,
      subscriptionId,
      endpoint,
      p256dh: keys.p256dh,
      auth: keys.auth,
      createdAt: new Date().toISOString(),
    }).go({ response: "none" });
  });

/** Forgets one of a user's subscriptions (none is fine). 1 WCU. */
export const unsubscribe = (userId: string, subscriptionId: string): Promise<void> =>
  storage(async () => {
    await PushSubscriptionEntity.delete({ userId, subscriptionId }).go({ response: "none" });
  });

/** A user's subscriptions: one Query. */
export const subscriptionsOf = (userId: string): Promise<PushSubscriptionItem[]> =>
  storage(async () => (await PushSubscriptionEntity.query.byUser({ userId }).go({ pages: "all" })).data);

/**
 * The room's members who are away (no connection subscribed to the room), without `except`, at most `max`; null
 * when the room has more members than `max` (no pushes there). Two Queries: the member rows (0.5 RCU per 4 KB,
 * ~30 members) and the presence rows.
 */
export const awayMembers = (roomId: string, except: string, max: number): Promise<string[] | null> =>
  storage(async () => {
    const { data: members } = await MemberEntity.query
      .byRoom({ roomId })
      .go({ limit: max + 1, attributes: ["userId"] });
    if (members.length > max) return null;
    const { data: present } = await PresenceEntity.query
      .byRoom({ roomId })
      .go({ pages: "all", attributes: ["userId", "connections"] });
    const here = new Set(present.filter((row) => row.connections > 0).map((row) => row.userId));
    return members.map((row) => row.userId).filter((userId) => userId !== except && !here.has(userId));
  });

/**
 * Claims the (room, user) push slot for `windowMs`: true when no push went in the last window (then the caller
 * pushes), false otherwise. One conditional PutItem (1 WCU, also when refused).
 */
export const claimSlot = (roomId: string, userId: string, windowMs: number): Promise<boolean> =>
  storage(async () => {
    const now = Date.now();
    return conditionally(
      PushSlotEntity.put({
        roomId,
        userId,
        until: now + windowMs,
        expiresAt: Math.ceil((now + windowMs) / 1000) + 60,
      })
        .where(({ until }, { notExists, lte }) => `${notExists(until)} OR ${lte(until, now)}`)
        .go({ response: "none" }),
    );
  });
