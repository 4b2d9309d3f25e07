import {
  type ChatMessage,
  ErrorStatus,
  Limits,
  type PresentUser,
  RoomId,
  ServerFrame,
  type UnsubscribeReason,
} from "@chat/types";
import { Emitter } from "./emitter";
import { ChatApiError, ChatError } from "./errors";
import { RoomMembers } from "./members";
import { Outbox } from "./outbox";
import {
  type ConnectionStatus,
  type ConnectRoomsOptions,
  type RealtimeEvents,
  type RoomStart,
  realtimeDefaults,
} from "./realtime-options";
import { ReconnectingSocket, type WebSocketConstructor } from "./reconnecting-socket";
import type { RestApi } from "./rest-api";
import { RoomFeed } from "./room-feed";
import { Timers } from "./timers";
import { parseOrThrow, readContract } from "./validate";

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A followed room: its feed and members outlive sockets. */
interface Followed {
  readonly feed: RoomFeed;
  readonly members: RoomMembers;
  /** Waiting for the room's `subscribed`. */
  readonly joins: Waiter[];
  lastTypingAt: number;
}

/** The room's state on the current socket; absent when it is not subscribed there. */
type ServerState = "subscribing" | "subscribed" | "unsubscribing";

const parseRoomId = (roomId: string): string => parseOrThrow(RoomId, roomId, "Invalid roomId", "roomId");

const tooManyRooms = () =>
  new ChatApiError(403, {
    code: "forbidden",
    message: `At most ${Limits.roomsPerConnection} rooms per connection`,
  });

/**
 * One WebSocket connection following several rooms. The first followed room is the handshake's; the others are
 * subscribed with `subscribe` frames, again on every reconnect. Each room catches up on its own once subscribed
 * (a {@link RoomFeed}: from a margin before its newest message, paging while `hasMore`, holding back pushes
 * meanwhile), then delivers the union in id order; messages are deduplicated by id per room, so nothing is missed
 * or delivered twice across reconnects, even from writers whose clocks differ by up to 5 s. The socket pings to stay
 * inside API Gateway's idle limit, renews itself before the 2-hour cap, and reconnects with jittered exponential
 * backoff ({@link ReconnectingSocket}); sends go through an {@link Outbox}. This class routes frames between them.
 */
export class RealtimeConnection {
  readonly #api: RestApi;
  readonly #options: typeof realtimeDefaults;
  readonly #events = new Emitter<RealtimeEvents>();
  readonly #timers = new Timers();
  /** Followed rooms, in the order they were followed: the first one is the next handshake's. */
  readonly #rooms = new Map<string, Followed>();
  /** Each room's state on the current socket, left rooms still unsubscribing included. */
  readonly #server = new Map<string, ServerState>();
  readonly #leaves = new Map<string, Waiter[]>();
  readonly #outbox: Outbox;
  readonly #socket: ReconnectingSocket;
  #status: ConnectionStatus = "connecting";

  /** Use `client.connect({ rooms })`. Throws a 400 `ChatApiError` for an invalid room id, unsent. */
  constructor(
    api: RestApi,
    WebSocket: WebSocketConstructor,
    wsUrl: string,
    random: () => number,
    { rooms, ...options }: ConnectRoomsOptions,
  ) {
    this.#api = api;
    this.#options = { ...realtimeDefaults, ...options };
    if (rooms.length === 0) throw new TypeError("connect({ rooms }) needs at least one room");
    for (const start of rooms) this.#follow(typeof start === "string" ? { roomId: start } : start);
    if (this.#rooms.size > Limits.roomsPerConnection) throw tooManyRooms();
    this.#outbox = new Outbox(api, this.#options, this.#timers, {
      sendFrame: (frame) => this.#socket.send(frame),
      socketOpen: () => this.#socket.open,
      pending: (pending) => this.#events.emit("pending", pending),
      confirm: (message) => {
        const room = this.#rooms.get(message.roomId);
        if (room?.feed.ready && !room.feed.has(message.id)) void this.#catchUp(room);
      },
      closed: () => this.#status === "closed",
    });
    const auth = api.socketAuth;
    const { userId, username } = auth ? auth.given : api;
    this.#socket = new ReconnectingSocket(
      WebSocket,
      { ...this.#options, wsUrl, userId, username, auth },
      random,
      this.#timers,
      {
        handshakeRoom: () => this.#rooms.keys().next().value,
        opened: (first) => {
          // The handshake subscribed its room (if it is still followed); every other room is subscribed now.
          this.#server.set(first, "subscribed");
          this.#onSubscribed(first);
          for (const id of this.#rooms.keys()) this.#reconcile(id);
          this.#maybeLive();
        },
        received: (data) => this.#onFrame(data),
        dropped: () => {
          this.#server.clear();
          for (const room of this.#rooms.values()) room.feed.reset();
          // Left rooms are off the server with the socket; sends in flight go over REST, with their ids.
          for (const id of [...this.#leaves.keys()]) this.#settleLeave(id);
          this.#outbox.socketGone();
        },
        reconnecting: () => this.#setStatus("reconnecting"),
        error: (error) => this.#events.emit("error", error),
        refused: (error, roomId) => {
          // Not allowed in the room the handshake named (banned, removed), while others are followed: that room
          // is dropped and the socket goes on with the rest.
          if (error instanceof ChatApiError && error.status === 403 && this.#rooms.size > 1) {
            const refusal = new ChatApiError(403, error.error, error.requestId, roomId);
            if (this.#dropRefused(roomId, refusal)) return false;
          }
          // Told once, then closed: reconnecting could only be refused again.
          this.#events.emit("error", error);
          this.close();
          return true;
        },
      },
    );
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
    return this.#rooms.get(roomId.toLowerCase())?.feed.lastSeenId;
  }

  /**
   * With `trackMembers`: who is in a followed room, one entry per user, as last read and updated by presence;
   * empty until the room's first read.
   */
  members(roomId: string): PresentUser[] {
    return this.#rooms.get(roomId.toLowerCase())?.members.list ?? [];
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
    room.members.stop();
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
  async send(
    roomId: string,
    text: string,
    options: { clientMessageId?: string; parentId?: string } = {},
  ): Promise<ChatMessage> {
    return this.#outbox.send(parseRoomId(roomId), text, options.clientMessageId, options.parentId);
  }

  /** Sends a failed pending message again, with its `clientMessageId`. */
  retry(clientMessageId: string): Promise<ChatMessage> {
    return this.#outbox.retry(clientMessageId);
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
    if (!this.#socket.send({ type: "typing", roomId: id })) return false;
    room.lastTypingAt = now;
    return true;
  }

  /** Stops for good: closes the connection, stops every timer and forgets the listeners. */
  close(): void {
    if (this.#status === "closed") return;
    this.#socket.close(1000, "closed by the client");
    this.#timers.clear();
    for (const room of this.#rooms.values()) {
      for (const join of room.joins.splice(0)) join.reject(new ChatError("The connection is closed"));
    }
    this.#setStatus("closed");
    this.#events.clear();
  }

  #follow({ roomId, after, backlog }: RoomStart): Followed {
    const id = parseRoomId(roomId);
    const existing = this.#rooms.get(id);
    if (existing) return existing;
    const room: Followed = {
      feed: new RoomFeed({ roomId: id, after, backlog: backlog ?? this.#options.backlog }, this.#api),
      members: new RoomMembers(id, this.#api),
      joins: [],
      lastTypingAt: 0,
    };
    this.#rooms.set(id, room);
    return room;
  }

  /**
   * Brings a room's subscription on the current socket in line with whether it is followed. One frame at a time
   * per room: the API handles frames concurrently, so a `subscribe` and an `unsubscribe` sent together could
   * land in either order.
   */
  #reconcile(id: string): void {
    if (!this.#socket.open) {
      // Not connected: nothing to unsubscribe, and the next socket subscribes what is followed.
      if (this.#rooms.size > 0) this.#socket.ensureOpen();
      if (!this.#rooms.has(id)) this.#settleLeave(id);
      return;
    }
    const state = this.#server.get(id);
    const followed = this.#rooms.get(id);
    if (followed && state === undefined) {
      // Rooms still being left count on the API's side: subscribing now could be refused as one too many.
      if (this.#server.size >= Limits.roomsPerConnection) return;
      followed.feed.hold();
      this.#server.set(id, "subscribing");
      this.#sendSubscribe(id, this.#socket.generation);
    } else if (!followed && state === "subscribed") {
      this.#server.set(id, "unsubscribing");
      this.#socket.send({ type: "unsubscribe", roomId: id });
    } else if (!followed && state === undefined) {
      this.#settleLeave(id);
    }
  }

  #sendSubscribe(id: string, generation: number): void {
    this.#socket.send({ type: "subscribe", roomId: id });
    this.#timers.after(this.#options.subscribeTimeoutMs, () => {
      if (generation === this.#socket.generation && this.#server.get(id) === "subscribing") {
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
    room.feed.hold();
    void this.#catchUp(room);
  }

  #settleLeave(id: string): void {
    for (const waiter of this.#leaves.get(id) ?? []) waiter.resolve();
    this.#leaves.delete(id);
  }

  #onFrame(data: unknown): void {
    const read = readContract(ServerFrame, String(data), "A frame");
    if (!read.ok) {
      this.#events.emit("error", read.error);
      return;
    }
    const frame = read.value;
    switch (frame.type) {
      case "message": {
        const room = this.#rooms.get(frame.message.roomId);
        if (room) this.#deliver(room, room.feed.push(frame.message));
        return;
      }
      case "message.updated":
      case "message.deleted": {
        const room = this.#rooms.get(frame.message.roomId);
        const message = room?.feed.update(frame.message);
        if (message && this.#status !== "closed") this.#events.emit(frame.type, message);
        return;
      }
      case "reaction": {
        const room = this.#rooms.get(frame.roomId);
        if (!room || this.#status === "closed") return;
        const { type: _, ...change } = frame;
        this.#events.emit("reaction", { ...change, message: room.feed.react(frame) });
        return;
      }
      case "pong":
        this.#socket.pong();
        return;
      case "ack":
        if (frame.clientMessageId !== null) this.#outbox.acked(frame.clientMessageId, frame.message);
        return;
      case "subscribed":
        if (this.#server.get(frame.roomId) !== "subscribing") return;
        this.#server.set(frame.roomId, "subscribed");
        this.#onSubscribed(frame.roomId);
        return;
      case "unsubscribed":
        if (frame.reason !== undefined) {
          this.#ended(frame.roomId, frame.reason);
          return;
        }
        if (this.#server.get(frame.roomId) !== "unsubscribing") return;
        this.#server.delete(frame.roomId);
        this.#settleLeave(frame.roomId);
        // Rooms joined meanwhile (this one again, or one held back by the room limit) are subscribed now.
        for (const id of this.#rooms.keys()) if (!this.#server.has(id)) this.#reconcile(id);
        return;
      case "typing": {
        // The API spares only the typist's connection; this user's other tabs are not "someone else".
        if (!this.#rooms.has(frame.roomId) || frame.userId === this.#api.userId) return;
        const { type: _, ...notice } = frame;
        this.#events.emit("typing", notice);
        return;
      }
      case "presence": {
        const room = this.#rooms.get(frame.roomId);
        if (!room) return;
        const { type: _, ...presence } = frame;
        const changed = room.members.presence(presence);
        // Listeners of either event read members() already updated.
        this.#events.emit("presence", presence);
        if (changed) this.#emitMembers(room);
        return;
      }
      case "member": {
        if (!this.#rooms.has(frame.roomId)) return;
        const { type: _, ...change } = frame;
        this.#events.emit("member", change);
        return;
      }
      case "read": {
        if (!this.#rooms.has(frame.roomId)) return;
        const { type: _, ...notice } = frame;
        this.#events.emit("read", notice);
        return;
      }
      case "error": {
        const error = new ChatApiError(ErrorStatus[frame.error.code], frame.error, undefined, frame.roomId);
        const answered = frame.clientMessageId
          ? this.#outbox.refused(frame.clientMessageId, error)
          : frame.roomId !== undefined && this.#subscribeRefused(frame.roomId, error);
        if (!answered) this.#events.emit("error", error);
        return;
      }
    }
  }

  /**
   * The API ended a room's subscription on its own (left elsewhere, removed, banned): the room is no longer
   * followed, so nothing more of it is delivered and no reconnect subscribes it again.
   */
  #ended(id: string, reason: UnsubscribeReason): void {
    const state = this.#server.get(id);
    this.#server.delete(id);
    this.#settleLeave(id);
    const room = this.#rooms.get(id);
    if (room) {
      this.#rooms.delete(id);
      room.members.stop();
      const error = new ChatApiError(403, {
        code: "forbidden",
        message: `Unsubscribed from ${id}: ${reason}`,
      });
      for (const join of room.joins.splice(0)) join.reject(error);
      this.#events.emit("unsubscribed", { roomId: id, reason });
    }
    // The room no longer counts against the limit: rooms held back by it are subscribed now.
    if (state !== undefined)
      for (const other of this.#rooms.keys()) if (!this.#server.has(other)) this.#reconcile(other);
    this.#maybeLive();
  }

  /**
   * An error frame naming a room being subscribed: the API refused it (not allowed to read it, or no such room).
   * The room is no longer followed and its `join` rejects with the error; true when some `join` was waiting (the
   * error is told there, not as an `error` event). A transient refusal (rate limited, unavailable) is left to the
   * subscribe's own retry.
   */
  #subscribeRefused(id: string, error: ChatApiError): boolean {
    if (this.#server.get(id) !== "subscribing" || error.status === 429 || error.status >= 500) return false;
    this.#server.delete(id);
    return this.#forget(id, error);
  }

  /**
   * A handshake refused for the room it named: the room is no longer followed, its `join`s reject and the error is
   * told (with the room). False when the room was not followed.
   */
  #dropRefused(id: string, error: ChatApiError): boolean {
    if (!this.#rooms.has(id)) return false;
    if (!this.#forget(id, error)) this.#events.emit("error", error);
    return true;
  }

  /** Stops following a refused room: true when some `join` was waiting (and was told the error). */
  #forget(id: string, error: ChatApiError): boolean {
    const room = this.#rooms.get(id);
    if (!room) return false;
    this.#rooms.delete(id);
    room.members.stop();
    const joins = room.joins.splice(0);
    for (const join of joins) join.reject(error);
    for (const other of this.#rooms.keys()) if (!this.#server.has(other)) this.#reconcile(other);
    this.#maybeLive();
    return joins.length > 0;
  }

  /** Catches a room up (and reads its members, with `trackMembers`); on failure, starts over on a new socket. */
  async #catchUp(room: Followed): Promise<void> {
    if (room.feed.catchingUp) return;
    const generation = this.#socket.generation;
    const stale = () =>
      generation !== this.#socket.generation ||
      this.#status === "closed" ||
      this.#rooms.get(room.feed.roomId) !== room;
    try {
      const [missed] = await Promise.all([
        room.feed.read(),
        this.#options.trackMembers ? this.#readMembers(room) : undefined,
      ]);
      // The connection was lost (or the room left) meanwhile: the next catch-up reads the same again.
      if (stale()) return;
      const merged = room.feed.merge(missed);
      if (!merged) return;
      this.#deliver(room, merged.messages);
      if (merged.first) this.#events.emit("ready", { roomId: room.feed.roomId });
      this.#maybeLive();
    } catch (error) {
      if (stale()) return;
      this.#events.emit("error", error as ChatError);
      // Held-back pushes go with the socket: the feed's cursor has not moved, so the next catch-up reads them.
      this.#socket.fail(4000, "catch-up failed");
    }
  }

  async #readMembers(room: Followed): Promise<void> {
    if (await room.members.read()) this.#emitMembers(room);
  }

  #emitMembers(room: Followed): void {
    this.#events.emit("members", { roomId: room.members.roomId, members: room.members.list });
  }

  #deliver(room: Followed, messages: ChatMessage[]): void {
    for (const message of messages) {
      this.#outbox.delivered(message);
      if (this.#status === "closed" || this.#rooms.get(room.feed.roomId) !== room) return;
      this.#events.emit("message", message);
    }
  }

  /** Live once connected and every followed room is subscribed and caught up. */
  #maybeLive(): void {
    if (!this.#socket.open || this.#status === "live" || this.#status === "closed") return;
    for (const room of this.#rooms.values()) if (!room.feed.ready) return;
    this.#socket.live();
    this.#setStatus("live");
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#events.emit("status", status);
  }
}
