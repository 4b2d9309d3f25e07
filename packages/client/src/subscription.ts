import { type ChatMessage, ErrorStatus, Limits, ServerFrame, toErrorIssues } from "@chat/types";
import * as v from "valibot";
import type { ChatClient } from "./client";
import { Emitter } from "./emitter";
import { ChatApiError, type ChatError, ChatProtocolError } from "./errors";
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
 * - `connecting`: the first connection is being opened and caught up.
 * - `live`: connected and caught up; messages arrive as they are stored.
 * - `reconnecting`: the connection was lost (or is being renewed) and will be reopened and caught up.
 * - `closed`: `close()` was called; nothing more happens.
 */
export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "closed";

/** A message sent through {@link RoomSubscription.send} that the room has not delivered yet. */
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

/** The events of a {@link RoomSubscription} and what each listener receives. */
export interface SubscriptionEvents {
  /** A stored message: each one once, in id order. */
  message: ChatMessage;
  /** An optimistic send, or its failure. */
  pending: PendingMessage;
  /** The connection's state changed. */
  status: ConnectionStatus;
  /** Something went wrong; the subscription carries on (reconnecting if it must). */
  error: ChatError;
}

/** Options of {@link ChatClient.connect}. Durations default to what API Gateway's limits call for. */
export interface ConnectOptions {
  roomId: string;
  /** Resume after this message id: everything newer is delivered first. */
  after?: string;
  /** Without `after`: how many of the newest messages to deliver first. Default 50; 0 for new messages only. */
  backlog?: number;
  /** Keepalive ping interval. Default 4 minutes: API Gateway closes connections idle for 10. */
  pingIntervalMs?: number;
  /** A connection whose pong has not come back this long after a ping is taken as dead. Default 30 s. */
  pongTimeoutMs?: number;
  /** Renew the connection after this long, jittered 10% down. Default 110 minutes: API Gateway's cap is 2 hours. */
  maxConnectionAgeMs?: number;
  /** Reconnect backoff: the first delay, doubled each time, and its cap. Default 500 ms and 30 s. */
  reconnectBaseDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** How long after a successful send its push may take before the subscription catches up itself. Default 3 s. */
  confirmAfterMs?: number;
}

const defaults = {
  backlog: 50,
  pingIntervalMs: 4 * 60_000,
  pongTimeoutMs: 30_000,
  maxConnectionAgeMs: 110 * 60_000,
  reconnectBaseDelayMs: 500,
  reconnectMaxDelayMs: 30_000,
  confirmAfterMs: 3_000,
};

// A connection that lived this long resets the backoff: one that opens and drops at once keeps backing off.
const STABLE_AFTER_MS = 30_000;
// Ids remembered for dedup: pushes repeat recent messages only, and catch-up reads strictly after the cursor.
const SEEN_IDS_KEPT = 2_000;

const byId = (a: ChatMessage, b: ChatMessage) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * A live view of one room. On every (re)connect it catches up with `history(roomId, { after: lastSeenId })`,
 * paging while `hasMore`, while buffering pushes that arrive meanwhile; it then delivers the union in id order.
 * Messages are deduplicated by id, so a message pushed twice, or both pushed and caught up, is delivered once.
 * It pings to stay inside API Gateway's idle limit, renews the connection before the 2-hour cap, and reconnects
 * with jittered exponential backoff.
 */
export class RoomSubscription {
  /** The room, as given (the API lower-cases room ids). */
  readonly roomId: string;
  readonly #client: ChatClient;
  readonly #WebSocket: WebSocketConstructor;
  readonly #wsUrl: string;
  readonly #random: () => number;
  readonly #options: typeof defaults;
  readonly #events = new Emitter<SubscriptionEvents>();
  readonly #seen = new Set<string>();
  readonly #pending = new Map<string, PendingMessage>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #status: ConnectionStatus = "connecting";
  #socket: WebSocketLike | undefined;
  /** Bumped for each socket, so events of a replaced one are ignored. */
  #generation = 0;
  /** Every message up to this id has been delivered (or was before the subscription's start). */
  #cursor: string | undefined;
  /**
   * Where the subscription starts: messages at or before it (just before it when not `inclusive`) predate the
   * subscription, and a late push of one is not delivered.
   */
  #floor: { id: string; inclusive: boolean } | undefined;
  /** Pushes held back while a catch-up runs; `undefined` when none runs. */
  #buffer: ChatMessage[] | undefined;
  #attempt = 0;
  #liveSince = 0;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    client: ChatClient,
    WebSocket: WebSocketConstructor,
    wsUrl: string,
    random: () => number,
    options: ConnectOptions,
  ) {
    this.#client = client;
    this.#WebSocket = WebSocket;
    this.#wsUrl = wsUrl;
    this.#random = random;
    this.roomId = options.roomId;
    const { roomId: _, after, ...durations } = options;
    this.#options = { ...defaults, ...durations };
    this.#cursor = after;
    if (after !== undefined) this.#floor = { id: after, inclusive: true };
    // Listeners are attached right after connect() returns; open once they are.
    queueMicrotask(() => this.#open());
  }

  /** The connection's current state. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** The newest message id delivered: pass it as `after` to resume elsewhere. */
  get lastSeenId(): string | undefined {
    return this.#cursor === MIN_MESSAGE_ID ? undefined : this.#cursor;
  }

  /** Listens to an event; returns the function that stops listening. */
  on<K extends keyof SubscriptionEvents>(
    event: K,
    listener: (value: SubscriptionEvents[K]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Sends a message to the room optimistically: a `pending` event at once, then the stored message arrives as a
   * `message` event with the same `clientMessageId` (the `pending` is then done). A failure emits the pending
   * again as `failed` and rejects; `retry` resends it with the same id, so it is never stored twice.
   */
  async send(text: string, options: { clientMessageId?: string } = {}): Promise<ChatMessage> {
    const request = this.#client.sendRequest({
      text,
      clientMessageId: options.clientMessageId ?? newClientMessageId(),
    });
    const pending: PendingMessage = {
      clientMessageId: request.clientMessageId ?? newClientMessageId(),
      roomId: this.roomId,
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

  /** Stops for good: closes the connection, stops every timer and forgets the listeners. */
  close(): void {
    if (this.#status === "closed") return;
    this.#dropSocket(1000, "closed by the client");
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#setStatus("closed");
    this.#events.clear();
  }

  async #post(pending: PendingMessage): Promise<ChatMessage> {
    this.#pending.set(pending.clientMessageId, pending);
    this.#events.emit("pending", pending);
    try {
      const message = await this.#client.send(this.roomId, {
        text: pending.text,
        clientMessageId: pending.clientMessageId,
      });
      // The push normally delivers it; if it never comes (a lost connection), catch up rather than wait.
      this.#after(this.#options.confirmAfterMs, () => {
        if (!this.#seen.has(message.id) && this.#status === "live") void this.#catchUp(this.#generation);
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

  #open(): void {
    if (this.#status === "closed") return;
    const generation = ++this.#generation;
    let socket: WebSocketLike;
    try {
      socket = new this.#WebSocket(this.#socketUrl());
    } catch (error) {
      this.#events.emit("error", new ChatProtocolError(`Cannot open the WebSocket: ${String(error)}`));
      this.#reconnectLater();
      return;
    }
    this.#socket = socket;
    const current = () => generation === this.#generation && this.#status !== "closed";
    socket.addEventListener("open", () => {
      if (!current()) return;
      this.#startTimers(generation);
      void this.#catchUp(generation);
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

  #socketUrl(): string {
    const base = (globalThis as { location?: { href: string } }).location?.href;
    const url = base === undefined ? new URL(this.#wsUrl) : new URL(this.#wsUrl, base);
    // A path behind a same-origin proxy (`/ws`) resolves to http(s); WebSocket wants ws(s).
    if (url.protocol === "http:") url.protocol = "ws:";
    if (url.protocol === "https:") url.protocol = "wss:";
    url.searchParams.set("roomId", this.roomId);
    url.searchParams.set("userId", this.#client.userId);
    url.searchParams.set("username", this.#client.username);
    return url.toString();
  }

  #startTimers(generation: number): void {
    const { pingIntervalMs, pongTimeoutMs, maxConnectionAgeMs } = this.#options;
    this.#pingTimer = setInterval(() => {
      if (this.#pongTimer !== undefined) return;
      this.#socket?.send(JSON.stringify({ type: "ping" }));
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
      this.#open();
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
      case "message":
        if (frame.message.roomId !== this.roomId.toLowerCase()) return;
        if (this.#buffer) this.#buffer.push(frame.message);
        else this.#deliver([frame.message]);
        return;
      case "pong":
        clearTimeout(this.#pongTimer);
        this.#pongTimer = undefined;
        return;
      case "error":
        this.#events.emit("error", new ChatApiError(ErrorStatus[frame.error.code], frame.error));
        return;
    }
  }

  async #catchUp(generation: number): Promise<void> {
    if (this.#buffer) return;
    const buffer: ChatMessage[] = [];
    this.#buffer = buffer;
    const stale = () => generation !== this.#generation || this.#status === "closed";
    try {
      const fetched: ChatMessage[] = [];
      let cursor = this.#cursor;
      if (cursor === undefined) {
        const { backlog } = this.#options;
        const page = await this.#client.history(this.roomId, {
          limit: Math.min(Math.max(backlog, 1), Limits.historyMaxLimit),
        });
        if (backlog > 0) fetched.push(...page.messages);
        cursor = page.messages.at(-1)?.id ?? MIN_MESSAGE_ID;
        const oldest = page.messages[0]?.id;
        this.#floor =
          backlog > 0 && oldest !== undefined
            ? { id: oldest, inclusive: false }
            : { id: cursor, inclusive: true };
      } else {
        for (;;) {
          const page = await this.#client.history(this.roomId, {
            after: cursor,
            limit: Limits.historyMaxLimit,
          });
          fetched.push(...page.messages);
          cursor = page.messages.at(-1)?.id ?? cursor;
          if (!page.hasMore || page.messages.length === 0) break;
        }
      }
      // The connection was lost meanwhile: the next one's catch-up starts again from the same cursor.
      if (stale()) return;
      this.#buffer = undefined;
      if (this.#cursor === undefined || cursor > this.#cursor) this.#cursor = cursor;
      this.#deliver([...fetched, ...buffer].sort(byId));
      this.#liveSince = Date.now();
      this.#setStatus("live");
    } catch (error) {
      if (stale()) return;
      // Held-back pushes are dropped, not delivered: the cursor has not moved, so the next catch-up reads them.
      this.#buffer = undefined;
      this.#events.emit("error", error as ChatError);
      this.#dropSocket(4000, "catch-up failed");
      this.#reconnectLater();
    }
  }

  #deliver(messages: ChatMessage[]): void {
    const floor = this.#floor;
    for (const message of messages) {
      if (this.#seen.has(message.id)) continue;
      if (floor && (message.id < floor.id || (floor.inclusive && message.id === floor.id))) continue;
      this.#seen.add(message.id);
      if (this.#seen.size > SEEN_IDS_KEPT) {
        const oldest = this.#seen.values().next().value;
        if (oldest !== undefined) this.#seen.delete(oldest);
      }
      if (this.#cursor === undefined || message.id > this.#cursor) this.#cursor = message.id;
      if (message.clientMessageId !== null && message.userId === this.#client.userId) {
        this.#pending.delete(message.clientMessageId);
      }
      if (this.#status === "closed") return;
      this.#events.emit("message", message);
    }
  }

  #dropSocket(code?: number, reason?: string): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    this.#pingTimer = undefined;
    this.#pongTimer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    this.#generation++;
    this.#buffer = undefined;
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
    this.#after(delay, () => this.#open());
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
