import type { EntityItem } from "electrodb";
import { Entity, entityConfig, keys } from "../entity";

/** One row per (room, banned user), by room sorted by user id. A ban past `until` no longer counts, and expires (TTL). */
export const BanEntity = new Entity(
  {
    model: { entity: "ban", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true },
      userId: { type: "string", required: true },
      reason: { type: "string" },
      /** ISO-8601; absent: until unbanned. */
      until: { type: "string" },
      bannedBy: { type: "string", required: true },
      bannedAt: { type: "string", required: true },
      /** Epoch seconds, from `until`: TTL removes the row a while after the ban ends. */
      expiresAt: { type: "number" },
    },
    indexes: {
      byRoom: keys.primary(["roomId"], ["userId"]),
    },
  },
  entityConfig(),
);
export type BanItem = EntityItem<typeof BanEntity>;
