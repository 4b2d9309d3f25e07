import type { ChatClient, RealtimeConnection } from "@chat/client";
import type { MessageList } from "./message-list";

/** What read receipts need from the page. */
export interface ReadReceiptsHost {
  client(): ChatClient | undefined;
  connection(): RealtimeConnection | undefined;
  /** The room shown, if any. */
  current(): string | undefined;
  /** The message list of a followed room. */
  list(roomId: string): MessageList | undefined;
  /** The user has read the room up to its newest message. */
  markedRead(roomId: string): void;
}

/**
 * Both sides of read receipts for the shown room: marking read the newest message it shows, and "Seen by" under the
 * user's newest message, from the readers' cursors (read once, then kept up by `read` events).
 */
export class ReadReceipts {
  readonly #host: ReadReceiptsHost;
  /** The newest id this page marked read, per room: the cursor only moves forward, so each id is sent once. */
  readonly #marked = new Map<string, string>();
  /** Read cursors of the shown room's readers (small rooms), for "Seen by". */
  #reads = new Map<string, string>();

  constructor(host: ReadReceiptsHost) {
    this.#host = host;
  }

  /** Marks read the newest message the shown room shows (each id once: the cursor only moves forward). */
  markShown() {
    const client = this.#host.client();
    const roomId = this.#host.current();
    const newest = roomId === undefined ? undefined : this.#host.list(roomId)?.newestId;
    if (!client || roomId === undefined || !newest || (this.#marked.get(roomId) ?? "") >= newest) return;
    this.#marked.set(roomId, newest);
    this.#host.markedRead(roomId);
    client.markRead(roomId, newest).catch((error: unknown) => console.warn("could not mark read", error));
  }

  /** Forgets the readers' cursors (another room is shown). */
  reset() {
    this.#reads = new Map();
  }

  /** A reader of the shown room moved their cursor. */
  read(userId: string, messageId: string) {
    this.#reads.set(userId, messageId);
    this.render();
  }

  /** "Seen by" under the user's newest message of the shown room, from the readers' cursors. */
  render() {
    const current = this.#host.current();
    const list = current === undefined ? undefined : this.#host.list(current);
    const mine = list?.myLastId;
    if (!list) return;
    const me = this.#host.client()?.userId;
    // Names from who wrote here, else from who is connected (readers who never wrote), else the user id.
    const present = new Map(
      (current === undefined ? [] : (this.#host.connection()?.members(current) ?? [])).map((user) => [
        user.userId,
        user.username,
      ]),
    );
    const names = [...this.#reads]
      .filter(([userId, lastReadId]) => userId !== me && mine !== undefined && lastReadId >= mine)
      .map(([userId]) => {
        const written = list.nameOf(userId);
        return written !== userId ? written : (present.get(userId) ?? userId);
      })
      .sort();
    list.showSeenBy(names);
  }

  /** Reads the cursors of a room's readers again. */
  async refresh(roomId: string) {
    try {
      const receipts = (await this.#host.client()?.reads(roomId)) ?? [];
      if (roomId !== this.#host.current()) return;
      this.#reads = new Map(receipts.map(({ userId, lastReadId }) => [userId, lastReadId]));
      this.render();
    } catch {
      // Receipts are kept for rooms of up to 100 readers: a bigger room shows none.
      this.#reads = new Map();
    }
  }
}
