import type { ChatMessage } from "@chat/types";
import type { EntityItem } from "electrodb";
import { Entity, entityConfig, keys } from "../entity";

/**
 * Messages by room, sorted by id: a page of history is one Query. Replies are also on `gsi1` by parent, sorted by
 * id (a sparse index: only rows with a `parentId` get its keys), so a thread's page is one Query of the index and
 * one BatchGetItem of the rows (the index projects no message attributes).
 */
export const MessageEntity = new Entity(
  {
    model: { entity: "message", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true },
      id: { type: "string", required: true },
      userId: { type: "string", required: true },
      username: { type: "string", required: true },
      text: { type: "string", required: true },
      createdAt: { type: "string", required: true },
      clientMessageId: { type: "string" },
      /** The top-level message this one replies to; absent on top-level messages. */
      parentId: { type: "string" },
      /**
       * A reply's own id again, set on replies only: the thread index's sort key. ElectroDB writes an index's keys
       * when every composite of it is present, so a composite top-level messages lack keeps them out of the index.
       */
      replyId: { type: "string" },
      /** Replies of a top-level message, counted in the transaction that stores each reply; absent means 0. */
      replyCount: { type: "number" },
      editedAt: { type: "string" },
      deletedAt: { type: "string" },
      /**
       * Reaction counts: a map of emoji to `{ count, since }` (`since`: when the emoji was first used, for the order
       * of first use). An emoji whose count reaches 0 is removed from it. Written by `Reaction` with update
       * expressions of its own (ElectroDB cannot type a map of free keys).
       */
      reactions: { type: "any" },
      /** The last reaction change (`{ emoji, userId, event, at }`): what the broadcaster's `reaction` frame says. */
      lastReaction: { type: "any" },
    },
    indexes: {
      byRoom: keys.primary(["roomId"], ["id"]),
      byParent: {
        ...keys.gsi1(["parentId"], ["replyId"]),
        condition: (item: { parentId?: string | undefined }) => item.parentId !== undefined,
      },
    },
  },
  entityConfig(),
);

export type MessageItem = EntityItem<typeof MessageEntity>;

/** The stored item as the wire's `ChatMessage`. */
export const toChatMessage = (item: MessageItem): ChatMessage => ({
  id: item.id,
  roomId: item.roomId,
  userId: item.userId,
  username: item.username,
  text: item.text,
  createdAt: item.createdAt,
  clientMessageId: item.clientMessageId ?? null,
  parentId: item.parentId ?? null,
  replyCount: item.replyCount ?? 0,
  editedAt: item.editedAt ?? null,
  deletedAt: item.deletedAt ?? null,
  reactions: item.deletedAt === undefined ? reactionCounts(item.reactions) : [],
});

/** A stored reaction entry: the emoji's count and when it was first used. */
export interface StoredReaction {
  count: number;
  since: string;
}

/** The stored reactions map (whatever was stored), as a map of valid entries. */
export const storedReactions = (reactions: unknown): Map<string, StoredReaction> => {
  const entries = new Map<string, StoredReaction>();
  if (typeof reactions !== "object" || reactions === null) return entries;
  for (const [emoji, entry] of Object.entries(reactions)) {
    const { count, since } = (entry ?? {}) as Partial<StoredReaction>;
    if (typeof count === "number" && typeof since === "string") entries.set(emoji, { count, since });
  }
  return entries;
};

/** The counts above zero, in order of first use. */
export const reactionCounts = (reactions: unknown): ChatMessage["reactions"] =>
  [...storedReactions(reactions)]
    .filter(([, { count }]) => count > 0)
    .sort(([a, x], [b, y]) => (x.since < y.since ? -1 : x.since > y.since ? 1 : a < b ? -1 : 1))
    .map(([emoji, { count }]) => ({ emoji, count }));
