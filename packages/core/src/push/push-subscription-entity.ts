import type { EntityItem } from "electrodb";
import { Entity, entityConfig, keys } from "../entity";

/** One row per (user, browser subscription): a user's subscriptions are one Query (0.5 RCU per 4 KB, ~10 rows). */
export const PushSubscriptionEntity = new Entity(
  {
    model: { entity: "pushSubscription", service: "chat", version: "1" },
    attributes: {
      userId: { type: "string", required: true },
      subscriptionId: { type: "string", required: true },
      endpoint: { type: "string", required: true },
      p256dh: { type: "string", required: true },
      auth: { type: "string", required: true },
      createdAt: { type: "string", required: true },
    },
    indexes: {
      byUser: keys.primary(["userId"], ["subscriptionId"]),
    },
  },
  entityConfig(),
);
export type PushSubscriptionItem = EntityItem<typeof PushSubscriptionEntity>;
