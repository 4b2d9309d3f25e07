import { AppError, storage } from "../error";
import { accessOf, load } from "../room/access";
import { authorize, type Caller } from "../room/policy";
import { BlocklistEntity } from "./blocklist-entity";

export { BlocklistEntity, type BlocklistItem } from "./blocklist-entity";

/** How words are compared: Unicode-normalised (NFKC) and lower-cased, so "ＳＰＡＭ" and "Spam" are "spam". */
export const fold = (text: string): string => text.normalize("NFKC").toLowerCase();

/** The list as stored: folded, deduplicated, sorted. */
export const normalize = (words: readonly string[]): string[] => [...new Set(words.map(fold))].sort();

const escapeRegExp = (word: string) => word.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");

/**
 * The first listed word `text` contains as a whole word (not inside a longer word: letters, marks, digits and `_`
 * around it do not count as a boundary), compared case-insensitively; null when none. Words may be phrases.
 */
export const firstMatch = (text: string, words: readonly string[]): string | null => {
  if (words.length === 0) return null;
  const folded = fold(text);
  for (const word of words) {
    const pattern = new RegExp(
      `(?<![\\p{L}\\p{M}\\p{N}_])${escapeRegExp(word)}(?![\\p{L}\\p{M}\\p{N}_])`,
      "u",
    );
    if (pattern.test(folded)) return word;
  }
  return null;
};

/** Reads the room, applies the policy (moderators and owners; 403 otherwise, 404 for no such room). 1.5 RCU. */
const authorizeOn = async (roomId: string, caller: Caller) => {
  const loaded = await load(roomId, [caller.userId]);
  authorize("blocklist", { ...accessOf(loaded, caller), caller });
};

/** A room's blocklist, [] when it has none. One GetItem (0.5 RCU for up to 4 KB). */
export const words = (roomId: string): Promise<string[]> =>
  storage(async () => {
    const { data } = await BlocklistEntity.get({ roomId }).go();
    return data?.words ?? [];
  });

/** A room's blocklist for its moderators and owners: the access read and the GetItem. */
export const get = (roomId: string, caller: Caller): Promise<string[]> =>
  storage(async () => {
    await authorizeOn(roomId, caller);
    return words(roomId);
  });

/**
 * Replaces a room's blocklist (`[]` clears it): moderators and owners. The access read (1.5 RCU) and one PutItem
 * (1 WCU per KB: 500 words of 50 characters is at most ~25 WCU). Returns the list as stored.
 */
export const put = (roomId: string, caller: Caller, list: readonly string[]): Promise<string[]> =>
  storage(async () => {
    await authorizeOn(roomId, caller);
    const stored = normalize(list);
    if (stored.length === 0) {
      await BlocklistEntity.delete({ roomId }).go({ response: "none" });
      return stored;
    }
    await BlocklistEntity.put({
      roomId,
      words: stored,
      updatedBy: caller.userId,
      updatedAt: new Date().toISOString(),
    }).go({ response: "none" });
    return stored;
  });

/** Throws 422 `blocked` when `text` contains a word of `words` (a room's blocklist). */
export const assertAllowed = (text: string, words: readonly string[]): void => {
  if (firstMatch(text, words) !== null) {
    throw new AppError("blocked", "The message contains a word this room does not allow", [
      { path: "text", message: "contains a blocked word" },
    ]);
  }
};
