import type { ChatMessage } from "@chat/types";
import { storage } from "../error";
import { MessageEntity, toChatMessage } from "./message-entity";

export interface ListOptions {
  limit: number;
  before?: string | undefined;
  after?: string | undefined;
}

export interface ListResult {
  messages: ChatMessage[];
  hasMore: boolean;
}

/**
 * A page of a room's history, oldest first. Without `after`: the newest `limit` messages (older than `before`),
 * `hasMore` telling whether older ones exist. With `after`: the oldest `limit` newer than it, `hasMore` telling
 * whether newer ones exist. An unknown room is empty.
 */
export const list = (roomId: string, { limit, before, after }: ListOptions): Promise<ListResult> =>
  storage(async () => {
    const query = MessageEntity.query.byRoom({ roomId });
    // One item past the page answers `hasMore` without a second query.
    const { data } =
      after === undefined
        ? await (before === undefined ? query : query.lt({ id: before })).go({
            order: "desc",
            limit: limit + 1,
          })
        : await query.gt({ id: after }).go({ order: "asc", limit: limit + 1 });
    const page = data.slice(0, limit);
    if (after === undefined) page.reverse();
    return { messages: page.map(toChatMessage), hasMore: data.length > limit };
  });
