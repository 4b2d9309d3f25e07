import { type ChatMessage, Limits, type ReactionFrame } from "@chat/types";
import { decodeTime, encodeTime } from "ulid";
import { MIN_MESSAGE_ID } from "./ids";
import type { RestApi } from "./rest-api";

/**
 * How far apart the clocks of the API's writers may be. Message ids are ULIDs from each writer's clock, so a message
 * stored later may carry an id up to this much older than one already delivered: catch-up reads back this far
 * behind the newest id delivered, and dedup remembers the ids delivered in this window.
 */
export const CLOCK_SKEW_MARGIN_MS = 5_000;

// The random part of the smallest ULID of a millisecond.
const LOWEST_RANDOM = "0".repeat(16);

/** The smallest message id of the millisecond `time`: every id made at or after `time` sorts after (or equal). */
export const firstIdAt = (time: number): string => encodeTime(Math.max(0, Math.floor(time))) + LOWEST_RANDOM;

/** The millisecond an id was made; `undefined` for what is not an id (a malformed `after` is the API's to refuse). */
const timeOf = (id: string): number | undefined => {
  try {
    return decodeTime(id);
  } catch {
    return undefined;
  }
};

const byId = (a: ChatMessage, b: ChatMessage) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** How many messages' latest states a feed keeps (the newest ones it saw): what an update is compared against. */
export const KEPT_STATES = 2_000;

/**
 * How far a message's state has come: deleted beats edited beats as sent, and a later edit beats an earlier one.
 * Frames may repeat or arrive late (a catch-up read before an edit merged after it): the greater state wins.
 */
const stateOf = (message: ChatMessage): string =>
  message.deletedAt !== null
    ? `2${message.deletedAt}`
    : message.editedAt !== null
      ? `1${message.editedAt}`
      : "0";

/** Whether `candidate` is a later state of its message than `known`. */
export const isLaterState = (candidate: ChatMessage, known: ChatMessage): boolean =>
  stateOf(candidate) > stateOf(known);

/** A message's reactions with one emoji's count set (dropped at 0, appended when new: order of first use). */
const withCount = (
  reactions: ChatMessage["reactions"],
  emoji: string,
  count: number,
): ChatMessage["reactions"] => {
  const others = reactions.filter((reaction) => reaction.emoji !== emoji);
  if (count <= 0) return others;
  return reactions.some((reaction) => reaction.emoji === emoji)
    ? reactions.map((reaction) => (reaction.emoji === emoji ? { emoji, count } : reaction))
    : [...reactions, { emoji, count }];
};

/** Where a feed starts: after a message id, or with some of the newest messages. */
export interface FeedStart {
  roomId: string;
  /** Resume after this id: messages at or before it are not delivered. */
  after?: string | undefined;
  /** Without `after`: how many of the newest messages to deliver first (0: new ones only). */
  backlog: number;
}

/** What a catch-up read, waiting to be merged with the pushes held back meanwhile. */
export interface Missed {
  readonly read: number;
  readonly fetched: ChatMessage[];
  /**
   * The first read's: the room's newest id then (the smallest id in an empty room), where the room starts, and the
   * ids of the margin window behind that newest that predate following the room (not delivered, yet not new).
   */
  readonly start?: {
    newest: string;
    floor: { id: string; inclusive: boolean } | undefined;
    predating: string[];
  };
}

/**
 * One followed room's messages, socket or not: the cursor (newest id delivered), catch-up reads, the pushes held
 * back while one runs, dedup and order. It delivers each message once: a catch-up batch in id order, and a push at
 * once (a late one with an older id included), except a repeat or what predates following the room.
 *
 * Catch-up reads `history(after)` from {@link CLOCK_SKEW_MARGIN_MS} before the newest id delivered, not from that
 * id: a writer whose clock lags may store a message later with an older id. Dedup is by id, against the ids
 * delivered in that window behind the newest (older ones are forgotten, and an older push counts as a repeat).
 */
export class RoomFeed {
  readonly roomId: string;
  readonly #backlog: number;
  readonly #api: Pick<RestApi, "history">;
  /** The newest id delivered (or, with backlog 0, the newest when the room was first read). */
  #newest: string | undefined;
  /** The smallest id of the margin window behind the newest: older ids are not remembered, and not delivered. */
  #windowStart: string = MIN_MESSAGE_ID;
  /** Messages at or before it (just before it when not `inclusive`) predate following the room. */
  #floor: { id: string; inclusive: boolean } | undefined;
  /** Ids delivered within the margin behind the newest, each with its time, oldest first (mostly). */
  readonly #seen = new Map<string, number>();
  /** Pushes held back until a catch-up has merged them; `undefined` while delivering pushes directly. */
  #held: ChatMessage[] | undefined;
  /** Counts reads and resets: a read merges only if nothing came after it. */
  #reads = 0;
  #reading = false;
  #ready = false;
  /** The latest state of the newest {@link KEPT_STATES} messages seen, by id (oldest seen first). */
  readonly #states = new Map<string, ChatMessage>();

  constructor({ roomId, after, backlog }: FeedStart, api: Pick<RestApi, "history">) {
    this.roomId = roomId;
    this.#backlog = backlog;
    this.#api = api;
    if (after !== undefined) {
      this.#advance(after);
      this.#floor = { id: after, inclusive: true };
    }
  }

  /** The newest id delivered: pass it as `after` to resume elsewhere. */
  get lastSeenId(): string | undefined {
    return this.#newest === MIN_MESSAGE_ID ? undefined : this.#newest;
  }

  /** Caught up since the last {@link reset}: later messages are new arrivals. */
  get ready(): boolean {
    return this.#ready;
  }

  /** A catch-up is reading. */
  get catchingUp(): boolean {
    return this.#reading;
  }

  /** How many ids dedup remembers: those delivered within the margin behind the newest. */
  get remembered(): number {
    return this.#seen.size;
  }

  /** Holds pushes back from now on (a `subscribe` is on its way) until the next catch-up merges them. */
  hold(): void {
    this.#held ??= [];
    this.#ready = false;
  }

  /** The socket is gone: held pushes are dropped (the next catch-up reads them) and a running read is void. */
  reset(): void {
    this.#held = undefined;
    this.#ready = false;
    this.#reads++;
    this.#reading = false;
  }

  /** A pushed message: what to deliver now (nothing while a catch-up runs, or for a repeat). */
  push(message: ChatMessage): ChatMessage[] {
    if (this.#held) {
      this.#held.push(message);
      return [];
    }
    return this.#accept([message]);
  }

  /** A message's latest state as this feed knows it (the newest {@link KEPT_STATES} seen), if it knows it. */
  state(id: string): ChatMessage | undefined {
    return this.#states.get(id);
  }

  /**
   * A `message.updated` or `message.deleted` frame's message: its new state, or undefined when it is no later than
   * the state known (a repeat, or a late frame that must not undo a newer edit or a delete).
   */
  update(message: ChatMessage): ChatMessage | undefined {
    const known = this.#states.get(message.id);
    if (known && !isLaterState(message, known)) return undefined;
    this.#keep(message);
    return message;
  }

  /**
   * A `reaction` frame: the message with the emoji's count as the frame says (frames of one message come in order),
   * or undefined when the message is not known here or is deleted (a tombstone has no reactions).
   */
  react(frame: Pick<ReactionFrame, "messageId" | "emoji" | "count">): ChatMessage | undefined {
    const known = this.#states.get(frame.messageId);
    if (!known || known.deletedAt !== null) return undefined;
    const message = { ...known, reactions: withCount(known.reactions, frame.emoji, frame.count) };
    this.#keep(message);
    return message;
  }

  #keep(message: ChatMessage): void {
    this.#states.delete(message.id);
    this.#states.set(message.id, message);
    if (this.#states.size > KEPT_STATES) {
      const oldest = this.#states.keys().next().value;
      if (oldest !== undefined) this.#states.delete(oldest);
    }
  }

  /** Whether a message was delivered already, or will never be (a repeat, or it predates following the room). */
  has(id: string): boolean {
    return !this.#isNew(id);
  }

  /**
   * Reads what the room missed, holding pushes back meanwhile: the newest `backlog` the first time, then every
   * message after the margin before the newest delivered, page by page. Rejects (dropping the held pushes) when a
   * read fails; the next catch-up reads them again.
   */
  async read(): Promise<Missed> {
    const read = ++this.#reads;
    this.#reading = true;
    this.#held ??= [];
    try {
      return this.#newest === undefined ? await this.#readFirst(read) : await this.#readAfter(read);
    } catch (error) {
      if (read === this.#reads) this.#held = undefined;
      throw error;
    } finally {
      if (read === this.#reads) this.#reading = false;
    }
  }

  /**
   * Merges a read with the pushes held back meanwhile: what to deliver, in id order, and whether the room is ready
   * for the first time since the last reset. `undefined` when the read is stale (a reset or another read came after).
   */
  merge(missed: Missed): { messages: ChatMessage[]; first: boolean } | undefined {
    if (missed.read !== this.#reads) return undefined;
    const held = this.#held ?? [];
    this.#held = undefined;
    const { start } = missed;
    if (start) {
      this.#floor = start.floor;
      for (const id of start.predating) this.#seen.set(id, timeOf(id) ?? 0);
    }
    const messages = this.#accept([...missed.fetched, ...held].sort(byId));
    // After the backlog: delivered first, it may reach further back than the margin behind the newest.
    if (start) this.#advance(start.newest);
    const first = !this.#ready;
    this.#ready = true;
    return { messages, first };
  }

  /**
   * The newest `backlog` messages. The room starts at the oldest of them, or, when they do not reach back past the
   * margin behind the newest (always with backlog 0), at the margin: then the window is read too, so a message a
   * lagging writer stores there later is told apart from those that were there before.
   */
  async #readFirst(read: number): Promise<Missed> {
    const backlog = this.#backlog;
    const page = await this.#api.history(this.roomId, {
      limit: Math.min(Math.max(backlog, 1), Limits.historyMaxLimit),
    });
    const fetched = backlog > 0 ? page.messages : [];
    const newest = page.messages.at(-1)?.id;
    const oldest = page.messages[0]?.id;
    if (newest === undefined || oldest === undefined) {
      return { read, fetched, start: { newest: MIN_MESSAGE_ID, floor: undefined, predating: [] } };
    }
    const time = timeOf(newest) ?? 0;
    const windowStart = firstIdAt(time - CLOCK_SKEW_MARGIN_MS);
    if (backlog > 0 && oldest <= windowStart) {
      return { read, fetched, start: { newest, floor: { id: oldest, inclusive: false }, predating: [] } };
    }
    const window = await this.#readPages(windowStart);
    const backlogIds = new Set(fetched.map(({ id }) => id));
    // Newer than the newest read: stored since, so new.
    const later = window.filter(({ id }) => id > newest);
    const predating = window.filter(({ id }) => id <= newest && !backlogIds.has(id)).map(({ id }) => id);
    return {
      read,
      fetched: [...fetched, ...later],
      start: { newest, floor: { id: windowStart, inclusive: true }, predating },
    };
  }

  async #readAfter(read: number): Promise<Missed> {
    return { read, fetched: await this.#readPages(this.#windowStart) };
  }

  /** Every message after `after`, page by page. */
  async #readPages(after: string): Promise<ChatMessage[]> {
    const fetched: ChatMessage[] = [];
    let cursor = after;
    for (;;) {
      const page = await this.#api.history(this.roomId, { after: cursor, limit: Limits.historyMaxLimit });
      fetched.push(...page.messages);
      cursor = page.messages.at(-1)?.id ?? cursor;
      if (!page.hasMore || page.messages.length === 0) return fetched;
    }
  }

  #isNew(id: string): boolean {
    if (this.#seen.has(id)) return false;
    const floor = this.#floor;
    if (floor && (id < floor.id || (floor.inclusive && id === floor.id))) return false;
    return id >= this.#windowStart;
  }

  #accept(messages: ChatMessage[]): ChatMessage[] {
    const delivered: ChatMessage[] = [];
    for (const stored of messages) {
      if (!this.#isNew(stored.id)) continue;
      // An update may have come before the message itself (a catch-up read before an edit, merged after it).
      const known = this.#states.get(stored.id);
      const message = known && isLaterState(known, stored) ? known : stored;
      this.#keep(message);
      delivered.push(message);
      this.#seen.set(message.id, timeOf(message.id) ?? 0);
      this.#advance(message.id);
    }
    return delivered;
  }

  #advance(id: string): void {
    if (this.#newest !== undefined && id <= this.#newest) return;
    this.#newest = id;
    const time = timeOf(id);
    if (time === undefined) {
      this.#windowStart = id;
      return;
    }
    const cutoff = time - CLOCK_SKEW_MARGIN_MS;
    this.#windowStart = firstIdAt(cutoff);
    // Mostly in time order: forget from the oldest until one is still inside the window.
    for (const [seenId, seenAt] of this.#seen) {
      if (seenAt >= cutoff) break;
      this.#seen.delete(seenId);
    }
  }
}
