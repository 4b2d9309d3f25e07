import type { EntityItem } from "electrodb";
import { Entity, entityConfig, keys } from "../entity";

/**
 * One row per (message, emoji, user) who reacted with it: by message, sorted by emoji then user id, so who reacted
 * with one emoji is one Query. Its conditional put is what makes adding a reaction idempotent.
 */
export const ReactionEntity = new Entity(
  {
    model: { entity: "reaction", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true },
      messageId: { type: "string", required: true },
      emoji: { type: "string", required: true },
      userId: { type: "string", required: true },
      username: { type: "string", required: true },
      reactedAt: { type: "string", required: true },
    },
    indexes: {
      byMessage: keys.primary(["roomId", "messageId"], ["emoji", "userId"]),
    },
  },
  entityConfig(),
);
export type ReactionItem = EntityItem<typeof ReactionEntity>;

/**
 * One row per (message, user) who reacted to it: the set of their emoji on it, which bounds how many one user may
 * put on one message (a condition on its size, in the same transaction as the reaction row).
 */
export const ReactorEntity = new Entity(
  {
    model: { entity: "reactor", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true },
      messageId: { type: "string", required: true },
      userId: { type: "string", required: true },
      emojis: { type: "set", items: "string" },
    },
    indexes: {
      byMessage: keys.primary(["roomId", "messageId"], ["userId"]),
    },
  },
  entityConfig(),
);
