import type { EntityItem } from "electrodb";
import { Entity, entityConfig, keys } from "../entity";

/**
 * One row per (room, user) who was pushed for the room: the next push may go at `until` (epoch ms). Claimed with a
 * conditional put, so two messages racing in one window make one push; expires (TTL) after the window.
 */
export const PushSlotEntity = new Entity(
  {
    model: { entity: "pushSlot", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true },
      userId: { type: "string", required: true },
      until: { type: "number", required: true },
      expiresAt: { type: "number", required: true },
    },
    indexes: {
      byRoomUser: keys.primary(["roomId", "userId"], []),
    },
  },
  entityConfig(),
);
export type PushSlotItem = EntityItem<typeof PushSlotEntity>;
