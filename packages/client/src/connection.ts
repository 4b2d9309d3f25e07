import {
  type ChatMessage,
  type ClientFrame,
  ErrorStatus,
  Limits,
  type Member,
  type PresenceFrame,
  RoomId,
  ServerFrame,
  toErrorIssues,
} from "@chat/types";
import * as v from "valibot";
import type { ChatClient } from "./client";
import { Emitter } from "./emitter";
import { ChatApiError, ChatError, ChatProtocolError } from "./errors";
import { MIN_MESSAGE_ID, newClientMessageId } from "./ids";
import { backoffDelay } from "./retry";

/** The part of the WebSocket API the client uses: the browser's class and the `ws` package's both fit. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "close" | "error", listener: () => void): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
}

/** A WebSocket class: `globalThis.WebSocket` in browsers and Node 22, `ws`'s default export in Node 20. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * - `connecting`: the first connection is being opened, its rooms subscribed and caught up.
 * - `live`: connected, and every followed room subscribed and caught up; messages arrive as they are stored.
 * - `reconnecting`: the connection was lost (or is being renewed) and will be reopened and caught up.
 * - `closed`: `close()` was called; nothing more happens.
 */
export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "closed";

/** A message sent through `send` that the room has not delivered yet. */
export interface PendingMessage {
  clientMessageId: string;
  roomId: string;
  userId: string;
  username: string;
  text: string;
  /** When it was sent, by this machine's clock. */
  createdAt: string;
  /** `sending` until stored (then a `message` event with the same `clientMessageId` replaces it), or `failed`. */
  state: "sending" | "failed";
  /** Why it failed; `retry(clientMessageId)` sends it again, safely. */
  error?: ChatError;
}

/** Someone else is typing in a room. Notices are not repeated while they type on: show one for about 5 s. */
export interface TypingNotice {
  roomId: string;
  userId: string;
  username: string;
}

/** A user's first connection joined a room, or their last one left it. */
export type PresenceEvent = Omit<PresenceFrame, "type">;

/** Who is in a room, one entry per user (this user included), after a change. */
export interface MembersChange {
  roomId: string;
  members: Member[];
}

/** The events of a {@link RealtimeConnection} (and of a `RoomSubscription`) and what each listener receives. */
export interface RealtimeEvents {
  /** A stored message of a followed room: each one once, in id order per room. */
  message: ChatMessage;
  /** An optimistic send, or its failure. */
  pending: PendingMessage;
  /** The connection's state changed. */
  status: ConnectionStatus;
  /** Something went wrong; the connection carries on (reconnecting if it must). */
  error: ChatError;
  /** Someone else is typing in a followed room (never this connection's own notices). */
  typing: TypingNotice;
  /** Someone arrived in or left a followed room. */
  presence: PresenceEvent;
  /** With `trackMembers`: a followed room's members, seeded on each (re)subscribe and updated by presence. */
  members: MembersChange;
  /**
   * A followed room is subscribed and caught up on the current socket (after each (re)connect and each join):
   * its `message` events from here on are new arrivals, not backlog.
   */
  ready: { roomId: string };
}

/** Where one room starts: resume after a message id, or deliver some of the newest messages first. */
export interface RoomStart {
  roomId: string;
  /** Resume after this message id: everything newer is delivered first. */
  after?: string;
  /** Without `after`: how many of the newest messages to deliver first. Default: the connection's `backlog`. */
  backlog?: number;
}

/** Durations and behaviour shared by {@link ConnectRoomsOptions} and the single-room `ConnectOptions`. */
export interface RealtimeOptions {
  /** Without `after`: how many of a room's newest messages to deliver first. Default 50; 0 for new messages only. */
  backlog?: number;
  /**
   * How `send` stores a message: `socket` sends a `send` frame and waits for its `ack` (falling back to REST when
   * the socket is not open, closes, or no ack comes within `ackTimeoutMs`: the same `clientMessageId` keeps that
   * safe); `rest` posts it. Default `socket` for `connect({ rooms })`, `rest` for `connect({ roomId })`.
   */
  sendOver?: "socket" | "rest";
  /** Seed each room's members from `members(roomId)` on every (re)subscribe and keep them by presence. Default false. */
  trackMembers?: boolean;
  /** Keepalive ping interval. Default 4 minutes: API Gateway closes connections idle for 10. */
  pingIntervalMs?: number;
  /** A connection whose pong has not come back this long after a ping is taken as dead. Default 30 s. */
  pongTimeoutMs?: number;
  /** Renew the connection after this long, jittered 10% down. Default 110 minutes: API Gateway's cap is 2 hours. */
  maxConnectionAgeMs?: number;
  /** Reconnect backoff: the first delay, doubled each time, and its cap. Default 500 ms and 30 s. */
  reconnectBaseDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** How long after a successful send its push may take before the room catches up itself. Default 3 s. */
  confirmAfterMs?: number;
  /** How long a socket send waits for its `ack` before it is posted over REST instead. Default 10 s. */
  ackTimeoutMs?: number;
  /** A `subscribe` unanswered this long is sent again (a refusal cannot name its room). Default 10 s. */
  subscribeTimeoutMs?: number;
  /** At most one typing notice per room this often; the API relays one per user per 2 s. Default 2 s. */
  typingIntervalMs?: number;
}

/** Options of `connect({ rooms })`: one connection following several rooms. */
export interface ConnectRoomsOptions extends RealtimeOptions {
  /** The rooms to follow from the start (at least one; the first is the handshake's room), at most 20. */
  rooms: (string | RoomStart)[];
}

const defaults = {
  backlog: 50,
  sendOver: "socket" as "socket" | "rest",
  trackMembers: false,
  pingIntervalMs: 4 * 60_000,
  pongTimeoutMs: 30_000,
  maxConnectionAgeMs: 110 * 60_000,
  reconnectBaseDelayMs: 500,
  reconnectMaxDelayMs: 30_000,
  confirmAfterMs: 3_000,
  ackTimeoutMs: 10_000,
  subscribeTimeoutMs: 10_000,
  typingIntervalMs: 2_000,
};

// A connection that lived this long resets the backoff: one that opens and drops at once keeps backing off.
const STABLE_AFTER_MS = 30_000;
// Ids remembered for dedup, per room: pushes repeat recent messages only, and catch-up reads strictly after the cursor.
const SEEN_IDS_KEPT = 2_000;

const byId = (a: ChatMessage, b: ChatMessage) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** What the connection knows of one followed room. Cursor, floor and seen ids outlive sockets; the rest is per socket. */
interface Room {
  readonly id: string;
  readonly backlog: number;
  /** Every message up to this id has been delivered (or was before the room was followed). */
  cursor: string | undefined;
  /**
   * Where the room starts: messages at or before it (just before it when not `inclusive`) predate following it,
   * and a late push of one is not delivered.
   */
  floor: { id: string; inclusive: boolean } | undefined;
  readonly seen: Set<string>;
  /** Pushes held back from the `subscribe` until a catch-up has run; `undefined` while delivering directly. */
  buffer: ChatMessage[] | undefined;
  /** The socket generation whose catch-up of the room is running. */
  catchingUp: number | undefined;
  /** Subscribed and caught up on the current socket. */
  ready: boolean;
  /** Waiting for the room's `subscribed`. */
  joins: Waiter[];
  members: Map<string, Member> | undefined;
  /** Presence frames that arrive while the members are being read, applied on top of what the read returns. */
  presenceBuffer: PresenceEvent[] | undefined;
  lastTypingAt: number;
}

/** The room's state on the current socket; absent when it is not subscribed there. */
type ServerState = "subscribing" | "subscribed" | "unsubscribing";

/** Thrown inside a socket send to say "post it over REST instead". */
class UseRest extends Error {}

const parseRoomId = (roomId: string): string => {
  const parsed = v.safeParse(RoomId, roomId);
  if (!parsed.success) {
    throw new ChatApiError(400, {
      code: "validation_failed",
      message: "Invalid roomId",
      details: toErrorIssues(parsed.issues).map((issue) => ({ ...issue, path: "roomId" })),
    });
  }
  return parsed.output;
};

const tooManyRooms = () =>
  new ChatApiError(403, {
    code: "forbidden",
    message: `At most ${Limits.roomsPerConnection} rooms per connection`,
  });

/**
 * One WebSocket connection following several rooms. The first followed room is the handshake's; the others are
 * subscribed with `subscribe` frames, again on every reconnect. Each room catches up on its own with
 * `history(roomId, { after: its lastSeenId })` once subscribed, paging while `hasMore` and holding back pushes
 * meanwhile, then delivers the union in id order; messages are deduplicated by id per room, so nothing is missed
 * or delivered twice across reconnects. It pings to stay inside API Gateway's idle limit, renews the connection
 * before the 2-hour cap, and reconnects with jittered exponential backoff.
 */
export class RealtimeConnection {
  readonly #client: ChatClient;
  readonly #WebSocket: WebSocketConstructor;
  readonly #wsUrl: string;
  readonly #random: () => number;
  readonly #options: typeof defaults;
  readonly #events = new Emitter<RealtimeEvents>();
  /** Followed rooms, in the order they were followed: the first one is the next handshake's. */
  readonly #rooms = new Map<string, Room>();
  /** Each room's state on the current socket, left rooms still unsubscribing included. */
  readonly #server = new Map<string, ServerState>();
  readonly #leaves = new Map<string, Waiter[]>();
  readonly #pending = new Map<string, PendingMessage>();
  readonly #acks = new Map<
    string,
    { resolve: (message: ChatMessage) => void; reject: (error: unknown) => void }
  >();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #status: ConnectionStatus = "connecting";
  #socket: WebSocketLike | undefined;
  #open = false;
  /** Bumped for each socket, so events of a replaced one are ignored. */
  #generation = 0;
  #attempt = 0;
  #liveSince = 0;
  /** A `#connect` is due (first open or a reconnect): nothing else may open a socket meanwhile. */
  #connectScheduled = true;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;

  /** Use `client.connect({ rooms })`. Throws a 400 `ChatApiError` for an invalid room id, unsent. */
  constructor(
    client: ChatClient,
    WebSocket: WebSocketConstructor,
    wsUrl: string,
    random: () => number,
    { rooms, ...options }: ConnectRoomsOptions,
  ) {
    this.#client = client;
    this.#WebSocket = WebSocket;
    this.#wsUrl = wsUrl;
    this.#random = random;
    this.#options = { ...defaults, ...options };
    if (rooms.length === 0) throw new TypeError("connect({ rooms }) needs at least one room");
    for (const start of rooms) this.#follow(typeof start === "string" ? { roomId: start } : start);
    if (this.#rooms.size > Limits.roomsPerConnection) throw tooManyRooms();
    // Listeners are attached right after connect() returns; open once they are.
    queueMicrotask(() => this.#connect());
  }

  /** The connection's current state. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** The rooms followed, as the API spells them (lower-cased), in the order they were followed. */
  get rooms(): string[] {
    return [...this.#rooms.keys()];
  }

  /** The newest message id delivered in a room: pass it as `after` to resume elsewhere. */
  lastSeenId(roomId: string): string | undefined {
    const cursor = this.#rooms.get(roomId.toLowerCase())?.cursor;
    return cursor === MIN_MESSAGE_ID ? undefined : cursor;
  }

  /**
   * With `trackMembers`: who is in a followed room, one entry per user, as last read and updated by presence;
   * empty until the room's first read.
   */
  members(roomId: string): Member[] {
    return [...(this.#rooms.get(roomId.toLowerCase())?.members?.values() ?? [])];
  }

  /** Listens to an event; returns the function that stops listening. */
  on<K extends keyof RealtimeEvents>(event: K, listener: (value: RealtimeEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Follows one more room on this connection: sends `subscribe` (now, or once connected) and resolves when the
   * API answers `subscribed`; the room then catches up (`backlog` or `after`) like the first ones. Joining a
   * followed room resolves once it is subscribed. Rejects unsent with a 400 `ChatApiError` for an invalid room id
   * and a 403 one past 20 rooms; rejects with a `ChatError` if the room is left or the connection closed first.
   */
  join(roomId: string, start: Omit<RoomStart, "roomId"> = {}): Promise<void> {
    if (this.#status === "closed") return Promise.reject(new ChatError("The connection is closed"));
    let id: string;
    try {
      id = parseRoomId(roomId);
    } catch (error) {
      return Promise.reject(error);
    }
    let room = this.#rooms.get(id);
    if (!room) {
      if (this.#rooms.size >= Limits.roomsPerConnection) return Promise.reject(tooManyRooms());
      room = this.#follow({ ...start, roomId: id });
      this.#reconcile(id);
    }
    if (this.#server.get(id) === "subscribed") return Promise.resolve();
    const { joins } = room;
    return new Promise((resolve, reject) => joins.push({ resolve, reject }));
  }

  /**
   * Stops following a room: sends `unsubscribe` and resolves on `unsubscribed` (at once when the socket is not
   * open). Nothing more of the room is delivered; joining it again starts afresh. The API's presence tells the
   * room's others this user left, if this was their last connection there.
   */
  leave(roomId: string): Promise<void> {
    const id = roomId.toLowerCase();
    const room = this.#rooms.get(id);
    if (!room) return Promise.resolve();
    this.#rooms.delete(id);
    for (const join of room.joins.splice(0))
      join.reject(new ChatError(`Left ${id} before it was subscribed`));
    const done = new Promise<void>((resolve, reject) => {
      const waiters = this.#leaves.get(id) ?? [];
      waiters.push({ resolve, reject });
      this.#leaves.set(id, waiters);
    });
    this.#reconcile(id);
    this.#maybeLive();
    return done;
  }

  /**
   * Sends a message to a room optimistically: a `pending` event at once, then the stored message arrives as a
   * `message` event with the same `clientMessageId` (the `pending` is then done). Resolves with the stored
   * message. A failure emits the pending again as `failed` and rejects (a `ChatApiError` when the API refused it,
   * over REST or in an `error` frame naming the `clientMessageId`); `retry` resends it with the same id, so it is
   * never stored twice. The room need not be followed.
   */
  async send(roomId: string, text: string, options: { clientMessageId?: string } = {}): Promise<ChatMessage> {
    const id = parseRoomId(roomId);
    const request = this.#client.sendRequest({
      text,
      clientMessageId: options.clientMessageId ?? newClientMessageId(),
    });
    const pending: PendingMessage = {
      clientMessageId: request.clientMessageId ?? newClientMessageId(),
      roomId: id,
      userId: request.userId,
      username: request.username,
      text: request.text,
      createdAt: new Date().toISOString(),
      state: "sending",
    };
    return this.#post(pending);
  }

  /** Sends a failed pending message again, with its `clientMessageId`. */
  retry(clientMessageId: string): Promise<ChatMessage> {
    const pending = this.#pending.get(clientMessageId);
    if (!pending) return Promise.reject(new TypeError(`No pending message ${clientMessageId}`));
    const { error: _, ...rest } = pending;
    return this.#post({ ...rest, state: "sending" });
  }

  /**
   * Tells a followed room's others that this user is typing: call it on every keystroke. At most one notice per
   * room per `typingIntervalMs` is sent, and only while the room is subscribed; returns whether one was sent.
   */
  typing(roomId: string): boolean {
    const id = roomId.toLowerCase();
    const room = this.#rooms.get(id);
    if (!room || this.#server.get(id) !== "subscribed") return false;
    const now = Date.now();
    if (now - room.lastTypingAt < this.#options.typingIntervalMs) return false;
    if (!this.#send({ type: "typing", roomId: id })) return false;
    room.lastTypingAt = now;
    return true;
  }

  /** Stops for good: closes the connection, stops every timer and forgets the listeners. */
  close(): void {
    if (this.#status === "closed") return;
    this.#dropSocket(1000, "closed by the client");
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const room of this.#rooms.values()) {
      for (const join of room.joins.splice(0)) join.reject(new ChatError("The connection is closed"));
    }
    this.#setStatus("closed");
    this.#events.clear();
  }

  #follow({ roomId, after, backlog }: RoomStart): Room {
    const id = parseRoomId(roomId);
    const existing = this.#rooms.get(id);
    if (existing) return existing;
    const room: Room = {
      id,
      backlog: backlog ?? this.#options.backlog,
      cursor: after,
      floor: after === undefined ? undefined : { id: after, inclusive: true },
      seen: new Set(),
      buffer: undefined,
      catchingUp: undefined,
      ready: false,
      joins: [],
      members: undefined,
      presenceBuffer: undefined,
      lastTypingAt: 0,
    };
    this.#rooms.set(id, room);
    return room;
  }

  async #post(pending: PendingMessage): Promise<ChatMessage> {
    this.#pending.set(pending.clientMessageId, pending);
    this.#events.emit("pending", pending);
    try {
      const message = await this.#store(pending);
      // The push normally delivers it; if it never comes (a lost connection), catch up rather than wait.
      this.#after(this.#options.confirmAfterMs, () => {
        const room = this.#rooms.get(message.roomId);
        if (room?.ready && !room.seen.has(message.id)) void this.#catchUp(room, this.#generation);
      });
      return message;
    } catch (error) {
      const failed: PendingMessage = { ...pending, state: "failed", error: error as ChatError };
      if (this.#status !== "closed") {
        this.#pending.set(failed.clientMessageId, failed);
        this.#events.emit("pending", failed);
      }
      throw error;
    }
  }

  async #store({ roomId, text, clientMessageId }: PendingMessage): Promise<ChatMessage> {
    if (this.#options.sendOver === "socket" && this.#open) {
      try {
        return await this.#sendOverSocket(roomId, text, clientMessageId);
      } catch (error) {
        if (!(error instanceof UseRest)) throw error;
      }
    }
    return this.#client.send(roomId, { text, clientMessageId });
  }

  #sendOverSocket(roomId: string, text: string, clientMessageId: string): Promise<ChatMessage> {
    return new Promise((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        this.#acks.delete(clientMessageId);
      };
      // No ack in time (a refusal that could not name the send, or a socket gone quiet): REST, with the same id.
      const timer = setTimeout(() => {
        settle();
        reject(new UseRest());
      }, this.#options.ackTimeoutMs);
      this.#timers.add(timer);
      this.#acks.set(clientMessageId, {
        resolve: (message) => {
          settle();
          resolve(message);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      if (!this.#send({ type: "send", roomId, text, clientMessageId }))
        this.#acks.get(clientMessageId)?.reject(new UseRest());
    });
  }

  #connect(): void {
    this.#connectScheduled = false;
    if (this.#status === "closed") return;
    const first = this.#rooms.keys().next().value;
    // Nothing to follow: the next join opens the connection again.
    if (first === undefined) return;
    const generation = ++this.#generation;
    let socket: WebSocketLike;
    try {
      socket = new this.#WebSocket(this.#socketUrl(first));
    } catch (error) {
      this.#events.emit("error", new ChatProtocolError(`Cannot open the WebSocket: ${String(error)}`));
      this.#reconnectLater();
      return;
    }
    this.#socket = socket;
    const current = () => generation === this.#generation && this.#status !== "closed";
    socket.addEventListener("open", () => {
      if (!current()) return;
      this.#open = true;
      this.#startTimers(generation);
      // The handshake subscribed its room (if it is still followed); every other room is subscribed now.
      this.#server.set(first, "subscribed");
      this.#onSubscribed(first);
      for (const id of this.#rooms.keys()) this.#reconcile(id);
      this.#maybeLive();
    });
    socket.addEventListener("message", (event) => {
      if (current()) this.#onFrame(event.data);
    });
    socket.addEventListener("close", () => {
      if (!current()) return;
      this.#dropSocket();
      this.#reconnectLater();
    });
    // An error is always followed by a close, which reconnects.
    socket.addEventListener("error", () => undefined);
  }

  #socketUrl(roomId: string): string {
    const base = (globalThis as { location?: { href: string } }).location?.href;
    const url = base === undefined ? new URL(this.#wsUrl) : new URL(this.#wsUrl, base);
    // A path behind a same-origin proxy (`/ws`) resolves to http(s); WebSocket wants ws(s).
    if (url.protocol === "http:") url.protocol = "ws:";
    if (url.protocol === "https:") url.protocol = "wss:";
    url.searchParams.set("roomId", roomId);
    url.searchParams.set("userId", this.#client.userId);
    url.searchParams.set("username", this.#client.username);
    return url.toString();
  }

  #send(frame: ClientFrame): boolean {
    if (!this.#open || !this.#socket) return false;
    try {
      this.#socket.send(JSON.stringify(frame));
      return true;
    } catch {
      // A socket closing under us: its close event reconnects.
      return false;
    }
  }

  /**
   * Brings a room's subscription on the current socket in line with whether it is followed. One frame at a time
   * per room: the API handles frames concurrently, so a `subscribe` and an `unsubscribe` sent together could
   * land in either order.
   */
  #reconcile(id: string): void {
    if (!this.#open) {
      // Not connected: nothing to unsubscribe, and the next socket subscribes what is followed.
      if (!this.#socket && !this.#connectScheduled && this.#status !== "closed" && this.#rooms.size > 0) {
        this.#connect();
      }
      if (!this.#rooms.has(id)) this.#settleLeave(id);
      return;
    }
    const state = this.#server.get(id);
    const followed = this.#rooms.get(id);
    if (followed && state === undefined) {
      // Rooms still being left count on the API's side: subscribing now could be refused as one too many.
      if (this.#server.size >= Limits.roomsPerConnection) return;
      followed.buffer = [];
      followed.ready = false;
      this.#server.set(id, "subscribing");
      this.#sendSubscribe(id, this.#generation);
    } else if (!followed && state === "subscribed") {
      this.#server.set(id, "unsubscribing");
      this.#send({ type: "unsubscribe", roomId: id });
    } else if (!followed && state === undefined) {
      this.#settleLeave(id);
    }
  }

  #sendSubscribe(id: string, generation: number): void {
    this.#send({ type: "subscribe", roomId: id });
    this.#after(this.#options.subscribeTimeoutMs, () => {
      if (generation === this.#generation && this.#server.get(id) === "subscribing") {
        this.#sendSubscribe(id, generation);
      }
    });
  }

  #onSubscribed(id: string): void {
    const room = this.#rooms.get(id);
    if (!room) {
      this.#reconcile(id);
      return;
    }
    for (const join of room.joins.splice(0)) join.resolve();
    room.buffer ??= [];
    room.ready = false;
    void this.#catchUp(room, this.#generation);
  }

  #settleLeave(id: string): void {
    for (const waiter of this.#leaves.get(id) ?? []) waiter.resolve();
    this.#leaves.delete(id);
  }

  #startTimers(generation: number): void {
    const { pingIntervalMs, pongTimeoutMs, maxConnectionAgeMs } = this.#options;
    this.#pingTimer = setInterval(() => {
      if (this.#pongTimer !== undefined) return;
      this.#send({ type: "ping" });
      this.#pongTimer = setTimeout(() => {
        this.#pongTimer = undefined;
        if (generation !== this.#generation) return;
        this.#events.emit("error", new ChatProtocolError("No pong: the connection is taken as dead"));
        this.#dropSocket(4000, "no pong");
        this.#reconnectLater();
      }, pongTimeoutMs);
    }, pingIntervalMs);
    const age = maxConnectionAgeMs * (0.9 + 0.1 * this.#random());
    this.#after(age, () => {
      if (generation !== this.#generation || this.#status === "closed") return;
      // Renewed now, before API Gateway cuts it; the catch-up on reopening covers the moment in between.
      this.#dropSocket(1000, "renewing before the 2-hour cap");
      this.#attempt = 0;
      this.#setStatus("reconnecting");
      this.#connect();
    });
  }

  #onFrame(data: unknown): void {
    let frame: ServerFrame;
    try {
      const result = v.safeParse(ServerFrame, JSON.parse(String(data)));
      if (!result.success) {
        const issues = toErrorIssues(result.issues);
        this.#events.emit("error", new ChatProtocolError("A frame does not match the contract", issues));
        return;
      }
      frame = result.output;
    } catch {
      this.#events.emit("error", new ChatProtocolError("A frame is not JSON"));
      return;
    }
    switch (frame.type) {
      case "message": {
        const room = this.#rooms.get(frame.message.roomId);
        if (!room) return;
        if (room.buffer) room.buffer.push(frame.message);
        else this.#deliver(room, [frame.message]);
        return;
      }
      case "pong":
        clearTimeout(this.#pongTimer);
        this.#pongTimer = undefined;
        return;
      case "ack":
        if (frame.clientMessageId !== null) this.#acks.get(frame.clientMessageId)?.resolve(frame.message);
        return;
      case "subscribed":
        if (this.#server.get(frame.roomId) !== "subscribing") return;
        this.#server.set(frame.roomId, "subscribed");
        this.#onSubscribed(frame.roomId);
        return;
      case "unsubscribed":
        if (this.#server.get(frame.roomId) !== "unsubscribing") return;
        this.#server.delete(frame.roomId);
        this.#settleLeave(frame.roomId);
        // Rooms joined meanwhile (this one again, or one held back by the room limit) are subscribed now.
        for (const id of this.#rooms.keys()) if (!this.#server.has(id)) this.#reconcile(id);
        return;
      case "typing": {
        // The API spares only the typist's connection; this user's other tabs are not "someone else".
        if (!this.#rooms.has(frame.roomId) || frame.userId === this.#client.userId) return;
        const { type: _, ...notice } = frame;
        this.#events.emit("typing", notice);
        return;
      }
      case "presence": {
        const room = this.#rooms.get(frame.roomId);
        if (!room) return;
        const { type: _, ...presence } = frame;
        const tracked = !room.presenceBuffer && room.members !== undefined;
        if (room.presenceBuffer) room.presenceBuffer.push(presence);
        else if (tracked) this.#applyPresence(room, [presence]);
        // Listeners of either event read members() already updated.
        this.#events.emit("presence", presence);
        if (tracked) this.#emitMembers(room);
        return;
      }
      case "error": {
        const error = new ChatApiError(ErrorStatus[frame.error.code], frame.error);
        const ack = frame.clientMessageId ? this.#acks.get(frame.clientMessageId) : undefined;
        if (ack) ack.reject(error);
        else this.#events.emit("error", error);
        return;
      }
    }
  }

  async #catchUp(room: Room, generation: number): Promise<void> {
    if (room.catchingUp === generation) return;
    room.catchingUp = generation;
    const buffer = room.buffer ?? [];
    room.buffer = buffer;
    const stale = () =>
      generation !== this.#generation || this.#status === "closed" || this.#rooms.get(room.id) !== room;
    try {
      const [{ fetched, cursor }] = await Promise.all([
        this.#readMissed(room),
        this.#options.trackMembers ? this.#readMembers(room) : undefined,
      ]);
      // The connection was lost (or the room left) meanwhile: the next catch-up starts again from the same cursor.
      if (stale()) return;
      room.buffer = undefined;
      if (room.cursor === undefined || cursor > room.cursor) room.cursor = cursor;
      this.#deliver(room, [...fetched, ...buffer].sort(byId));
      const first = !room.ready;
      room.ready = true;
      if (first) this.#events.emit("ready", { roomId: room.id });
      this.#maybeLive();
    } catch (error) {
      if (stale()) return;
      // Held-back pushes are dropped, not delivered: the cursor has not moved, so the next catch-up reads them.
      room.buffer = undefined;
      this.#events.emit("error", error as ChatError);
      this.#dropSocket(4000, "catch-up failed");
      this.#reconnectLater();
    } finally {
      if (room.catchingUp === generation) room.catchingUp = undefined;
    }
  }

  /** What the room missed since its cursor (or its backlog, the first time), and the cursor after it. */
  async #readMissed(room: Room): Promise<{ fetched: ChatMessage[]; cursor: string }> {
    const fetched: ChatMessage[] = [];
    let cursor = room.cursor;
    if (cursor === undefined) {
      const { backlog } = room;
      const page = await this.#client.history(room.id, {
        limit: Math.min(Math.max(backlog, 1), Limits.historyMaxLimit),
      });
      if (backlog > 0) fetched.push(...page.messages);
      cursor = page.messages.at(-1)?.id ?? MIN_MESSAGE_ID;
      const oldest = page.messages[0]?.id;
      room.floor =
        backlog > 0 && oldest !== undefined
          ? { id: oldest, inclusive: false }
          : { id: cursor, inclusive: true };
      return { fetched, cursor };
    }
    for (;;) {
      const page = await this.#client.history(room.id, { after: cursor, limit: Limits.historyMaxLimit });
      fetched.push(...page.messages);
      cursor = page.messages.at(-1)?.id ?? cursor;
      if (!page.hasMore || page.messages.length === 0) return { fetched, cursor };
    }
  }

  async #readMembers(room: Room): Promise<void> {
    const arrived: PresenceEvent[] = [];
    room.presenceBuffer = arrived;
    try {
      const members = await this.#client.members(room.id);
      if (this.#rooms.get(room.id) !== room) return;
      room.members = new Map(members.map((member) => [member.userId, member]));
      // Presence that came while reading may or may not be in the answer; applied in order, it is right either way.
      this.#applyPresence(room, arrived);
      this.#emitMembers(room);
    } finally {
      if (room.presenceBuffer === arrived) room.presenceBuffer = undefined;
    }
  }

  #applyPresence(room: Room, changes: PresenceEvent[]): void {
    const members = room.members ?? new Map<string, Member>();
    room.members = members;
    for (const { event, userId, username } of changes) {
      if (event === "leave") members.delete(userId);
      else if (!members.has(userId))
        members.set(userId, { userId, username, connectedAt: new Date().toISOString() });
    }
  }

  #emitMembers(room: Room): void {
    this.#events.emit("members", { roomId: room.id, members: [...(room.members?.values() ?? [])] });
  }

  #deliver(room: Room, messages: ChatMessage[]): void {
    const { floor, seen } = room;
    for (const message of messages) {
      if (seen.has(message.id)) continue;
      if (floor && (message.id < floor.id || (floor.inclusive && message.id === floor.id))) continue;
      seen.add(message.id);
      if (seen.size > SEEN_IDS_KEPT) {
        const oldest = seen.values().next().value;
        if (oldest !== undefined) seen.delete(oldest);
      }
      if (room.cursor === undefined || message.id > room.cursor) room.cursor = message.id;
      if (message.clientMessageId !== null && message.userId === this.#client.userId) {
        this.#pending.delete(message.clientMessageId);
      }
      if (this.#status === "closed" || this.#rooms.get(room.id) !== room) return;
      this.#events.emit("message", message);
    }
  }

  /** Live once connected and every followed room is subscribed and caught up. */
  #maybeLive(): void {
    if (!this.#open || this.#status === "live" || this.#status === "closed") return;
    for (const room of this.#rooms.values()) if (!room.ready) return;
    this.#liveSince = Date.now();
    this.#setStatus("live");
  }

  #dropSocket(code?: number, reason?: string): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    this.#pingTimer = undefined;
    this.#pongTimer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    this.#open = false;
    this.#generation++;
    this.#server.clear();
    for (const room of this.#rooms.values()) {
      room.buffer = undefined;
      room.ready = false;
    }
    // Left rooms are off the server with the socket; sends in flight go over REST, with their ids.
    for (const id of [...this.#leaves.keys()]) this.#settleLeave(id);
    for (const ack of [...this.#acks.values()]) ack.reject(new UseRest());
    try {
      socket?.close(code, reason);
    } catch {
      // Closing a socket that never opened throws in some implementations; it is gone either way.
    }
  }

  #reconnectLater(): void {
    if (this.#status === "closed") return;
    if (this.#liveSince > 0 && Date.now() - this.#liveSince >= STABLE_AFTER_MS) this.#attempt = 0;
    this.#liveSince = 0;
    this.#attempt++;
    const delay = backoffDelay(
      this.#attempt,
      { baseDelayMs: this.#options.reconnectBaseDelayMs, maxDelayMs: this.#options.reconnectMaxDelayMs },
      this.#random,
    );
    this.#setStatus("reconnecting");
    this.#connectScheduled = true;
    this.#after(delay, () => this.#connect());
  }

  #after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#events.emit("status", status);
  }
}
