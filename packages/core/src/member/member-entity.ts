import type { Member, Role } from "@chat/types";
import type { EntityItem } from "electrodb";
import { Entity, entityConfig, keys } from "../entity";

/**
 * One row per (room, member): by room, sorted by user id (the members list), and on `gsi1` by user, sorted by room
 * id (a user's rooms). The room id is stored as `room` (see `RoomEntity`): the index projects `room` and `role`.
 */
export const MemberEntity = new Entity(
  {
    model: { entity: "member", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true, field: "room" },
      userId: { type: "string", required: true },
      username: { type: "string", required: true },
      role: { type: ["owner", "moderator", "member"] as const, required: true },
      joinedAt: { type: "string", required: true },
      /** ISO-8601; a mute past it no longer counts. */
      mutedUntil: { type: "string" },
    },
    indexes: {
      byRoom: keys.primary(["roomId"], ["userId"]),
      byUser: keys.gsi1(["userId"], ["roomId"]),
    },
  },
  entityConfig(),
);
export type MemberItem = EntityItem<typeof MemberEntity>;

/** A member row as the wire's `Member`: a mute past its end no longer shows. */
export const toMember = (item: MemberItem, online: boolean, now = Date.now()): Member => ({
  userId: item.userId,
  username: item.username,
  role: item.role as Role,
  joinedAt: item.joinedAt,
  mutedUntil: item.mutedUntil !== undefined && Date.parse(item.mutedUntil) > now ? item.mutedUntil : null,
  online,
});
