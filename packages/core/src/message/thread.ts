import type { ChatMessage } from "@chat/types";
import { AppError, storage } from "../error";
import type { ListOptions, ListResult } from "./list";
import { MessageEntity, toChatMessage } from "./message-entity";

/**
 * A page of a thread's replies, oldest first, paged like the room's history (`before` / `after` / `hasMore`).
 * 404 `not_found` when the room has no such message; a reply has no replies (an empty page). Costs the parent's
 * GetItem (0.5 RCU), one Query of the thread index (its entries are keys and `createdAt`: about 0.5 RCU for a
 * page) and one BatchGetItem of the page's rows (0.5 RCU each).
 */
export const replies = (
  roomId: string,
  parentId: string,
  { limit, before, after }: ListOptions,
): Promise<ListResult> =>
  storage(async () => {
    const query = MessageEntity.query.byParent({ parentId });
    // The index keeps the ids, not the rows: the page's rows are read by key (`hydrate`), one item past the page
    // answering `hasMore`.
    const [parent, page] = await Promise.all([
      MessageEntity.get({ roomId, id: parentId }).go(),
      after === undefined
        ? (before === undefined ? query : query.lt({ replyId: before })).go({
            order: "desc",
            limit: limit + 1,
            hydrate: true,
          })
        : query.gt({ replyId: after }).go({ order: "asc", limit: limit + 1, hydrate: true }),
    ]);
    if (!parent.data) throw new AppError("not_found", "No such message in this room");
    // `hydrate` reports keys its BatchGetItem left unprocessed (the typings omit them).
    const { unprocessed } = page as { unprocessed?: unknown[] };
    if (unprocessed?.length) throw new AppError("unavailable", "Storage is busy, please retry");
    // Parent ids are unique across rooms, but only this room's rows are shown.
    const rows = page.data.filter((row) => row.roomId === roomId);
    const shown = rows.slice(0, limit);
    if (after === undefined) shown.reverse();
    return { messages: shown.map(toChatMessage), hasMore: rows.length > limit };
  });

export interface AroundResult {
  messages: ChatMessage[];
  hasOlder: boolean;
  hasNewer: boolean;
}

/**
 * The page of a room's history around a message, oldest first: about half older than it, the message, the rest
 * newer (a side with fewer gives its share to the other). 404 `not_found` when the room has no such message.
 * Two Queries of up to `limit + 1` rows each (0.5 RCU per 4 KB: about 1–2 RCU for a page of 50).
 */
export const around = (roomId: string, id: string, limit: number): Promise<AroundResult> =>
  storage(async () => {
    const query = MessageEntity.query.byRoom({ roomId });
    const [older, newer] = await Promise.all([
      query.lt({ id }).go({ order: "desc", limit: limit + 1 }),
      query.gte({ id }).go({ order: "asc", limit: limit + 1 }),
    ]);
    if (newer.data[0]?.id !== id) throw new AppError("not_found", "No such message in this room");
    const half = Math.floor((limit - 1) / 2);
    const olderCount = Math.min(older.data.length, Math.max(half, limit - newer.data.length));
    const newerCount = Math.min(newer.data.length, limit - olderCount);
    const page = [...older.data.slice(0, olderCount).reverse(), ...newer.data.slice(0, newerCount)];
    return {
      messages: page.map(toChatMessage),
      hasOlder: older.data.length > olderCount,
      hasNewer: newer.data.length > newerCount,
    };
  });
