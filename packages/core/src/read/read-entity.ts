import type { EntityItem } from "electrodb";
import { Entity, entityConfig, keys } from "../entity";

const attributes = {
  roomId: { type: "string", required: true },
  userId: { type: "string", required: true },
  /** The newest message the user has read in the room: only ever moves forward (a conditional write). */
  lastReadId: { type: "string", required: true },
  readAt: { type: "string", required: true },
} as const;

/**
 * A room's read receipts: one row per (room, reader), by user id, so `GET /rooms/{roomId}/reads` is one Query.
 * Written with `UserReadEntity`'s row on every cursor move; each refuses to move back on its own, so both end at
 * the newest id whatever the order of concurrent moves.
 */
export const RoomReadEntity = new Entity(
  {
    model: { entity: "read", service: "chat", version: "1" },
    attributes,
    indexes: { byRoom: keys.primary(["roomId"], ["userId"]) },
  },
  entityConfig(),
);
export type RoomReadItem = EntityItem<typeof RoomReadEntity>;

/**
 * A user's read cursors: one row per (user, room), by room id, so `GET /me/rooms` reads all of a user's cursors in
 * one Query (about 25 rooms per 4 KB: 0.5 RCU) instead of one read per room.
 */
export const UserReadEntity = new Entity(
  {
    model: { entity: "userRead", service: "chat", version: "1" },
    attributes,
    indexes: { byUser: keys.primary(["userId"], ["roomId"]) },
  },
  entityConfig(),
);
export type UserReadItem = EntityItem<typeof UserReadEntity>;
