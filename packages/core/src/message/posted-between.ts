import type { ChatMessage } from "@chat/types";
import { encodeTime } from "ulid";
import { storage } from "../error";
import { MessageEntity, toChatMessage } from "./message-entity";

/**
 * Every message of every room whose id (a ULID: its first 10 characters are the time it was stored) falls between
 * two times, inclusive, in id order. For operations (replaying what the broadcaster gave up on), not for requests:
 * it is a Scan of the whole table, filtered, so it reads (and pays for) every item once: about 0.5 RCU per 4 KB.
 */
export const postedBetween = (from: Date, to: Date): Promise<ChatMessage[]> =>
  storage(async () => {
    const lowest = `${encodeTime(Math.max(0, from.getTime()), 10)}${"0".repeat(16)}`;
    const highest = `${encodeTime(to.getTime(), 10)}${"Z".repeat(16)}`;
    const { data } = await MessageEntity.scan
      .where(({ id }, { between }) => between(id, lowest, highest))
      .go({ pages: "all" });
    return data.map(toChatMessage).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  });
