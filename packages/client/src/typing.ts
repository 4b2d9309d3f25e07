import type { TypingNotice } from "./realtime-options";

/**
 * How long to show "X is typing…" after a notice. Typists send one at most every 2 s while they type (the API
 * relays no more), so 5 s bridges a pause without showing someone who stopped for long.
 */
export const TYPING_SHOWN_MS = 5_000;

/**
 * Who is typing in which room, for a UI: feed it the connection's `typing` events, and `stopped` when that user's
 * message arrives; `typing(roomId)` lists the notices younger than `shownMs`. It keeps no timers: after a change,
 * re-render once more in `nextExpiryIn()` ms.
 */
export class TypingTracker {
  readonly #shownMs: number;
  /** roomId -> userId -> the notice and when it came. */
  readonly #rooms = new Map<string, Map<string, { notice: TypingNotice; at: number }>>();

  constructor(shownMs: number = TYPING_SHOWN_MS) {
    this.#shownMs = shownMs;
  }

  /** Records a notice: its user shows as typing in its room for `shownMs` from `now`. */
  add(notice: TypingNotice, now: number = Date.now()): void {
    const users = this.#rooms.get(notice.roomId) ?? new Map();
    this.#rooms.set(notice.roomId, users);
    // Re-inserted, so the list stays in the order people (re)started typing.
    users.delete(notice.userId);
    users.set(notice.userId, { notice, at: now });
  }

  /** The user is done typing in the room: their message came, or they left. */
  stopped(roomId: string, userId: string): void {
    this.#rooms.get(roomId)?.delete(userId);
  }

  /** Who is typing in a room at `now`, longest typing first. */
  typing(roomId: string, now: number = Date.now()): TypingNotice[] {
    const users = this.#rooms.get(roomId);
    if (!users) return [];
    for (const [userId, { at }] of users) if (now - at >= this.#shownMs) users.delete(userId);
    return [...users.values()].map(({ notice }) => notice);
  }

  /** How long until the next notice (in any room) expires, or `undefined` when none is shown. */
  nextExpiryIn(now: number = Date.now()): number | undefined {
    let next: number | undefined;
    for (const users of this.#rooms.values()) {
      for (const { at } of users.values()) {
        const left = Math.max(0, at + this.#shownMs - now);
        if (next === undefined || left < next) next = left;
      }
    }
    return next;
  }
}
