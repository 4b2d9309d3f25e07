import type { ClientFrame } from "@chat/types";
import { ChatError, ChatProtocolError } from "./errors";
import type { SocketAuth } from "./rest-api";
import { backoffDelay } from "./retry";
import type { Timers } from "./timers";

/** The part of the WebSocket API the client uses: the browser's class and the `ws` package's both fit. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "close" | "error", listener: () => void): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
}

/** A WebSocket class: `globalThis.WebSocket` in browsers and Node 22, `ws`'s default export in Node 20. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface SocketOptions {
  wsUrl: string;
  /** Named in the handshake's query when known (required on a stage without tokens). */
  userId: string | undefined;
  username: string | undefined;
  /** Each handshake carries a fresh token if there is one; a refused handshake is looked into before a retry. */
  auth?: SocketAuth | undefined;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  maxConnectionAgeMs: number;
  reconnectBaseDelayMs: number;
  reconnectMaxDelayMs: number;
}

/** What a {@link ReconnectingSocket} asks of, and tells, its owner. */
export interface SocketOwner {
  /** The room the next handshake names; `undefined` when there is nothing to follow (then no socket is opened). */
  handshakeRoom(): string | undefined;
  /** A socket opened: its handshake subscribed `handshakeRoom`. */
  opened(handshakeRoom: string): void;
  received(data: unknown): void;
  /** The socket is gone (lost, dead, renewed or closed): whatever was tied to it is void. */
  dropped(): void;
  /** A new socket will be opened: after a backoff, or at once when renewing. */
  reconnecting(): void;
  error(error: ChatError): void;
  /**
   * The API refused this user (token refused, or not allowed in `roomId`, the room the handshake named): true when
   * the owner stops for good, false when it goes on (it stopped following that room; the next handshake names
   * another).
   */
  refused(error: ChatError, roomId: string): boolean;
}

// A connection that lived this long resets the backoff: one that opens and drops at once keeps backing off.
const STABLE_AFTER_MS = 30_000;

/**
 * One WebSocket at a time to the API, kept open: it pings to stay inside API Gateway's idle limit, takes a socket
 * whose pong does not come as dead, renews the socket before the 2-hour cap, and reopens a lost one with jittered
 * exponential backoff. Each socket has a generation, so events of a replaced one are ignored.
 */
export class ReconnectingSocket {
  readonly #WebSocket: WebSocketConstructor;
  readonly #options: SocketOptions;
  readonly #random: () => number;
  readonly #owner: SocketOwner;
  readonly #timers: Timers;
  #socket: WebSocketLike | undefined;
  #open = false;
  #closed = false;
  #generation = 0;
  #attempt = 0;
  #liveSince = 0;
  /** A `#connect` is due (first open or a reconnect): nothing else may open a socket meanwhile. */
  #connectScheduled = true;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    WebSocket: WebSocketConstructor,
    options: SocketOptions,
    random: () => number,
    timers: Timers,
    owner: SocketOwner,
  ) {
    this.#WebSocket = WebSocket;
    this.#options = options;
    this.#random = random;
    this.#timers = timers;
    this.#owner = owner;
    // The owner's listeners are attached right after it is returned; open once they are.
    queueMicrotask(() => this.#connect());
  }

  /** Open now: frames can be sent. */
  get open(): boolean {
    return this.#open;
  }

  /** Bumped for each socket: what was started on one generation is stale on the next. */
  get generation(): number {
    return this.#generation;
  }

  /** Opens a socket if none is open or due (after the owner had nothing to follow). */
  ensureOpen(): void {
    if (!this.#socket && !this.#connectScheduled && !this.#closed) this.#connect();
  }

  /** Sends a frame on the open socket; false when there is none. */
  send(frame: ClientFrame): boolean {
    if (!this.#open || !this.#socket) return false;
    try {
      this.#socket.send(JSON.stringify(frame));
      return true;
    } catch {
      // A socket closing under us: its close event reconnects.
      return false;
    }
  }

  pong(): void {
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
  }

  /** The owner is fully live: a drop from here on, once this lasted, starts the backoff afresh. */
  live(): void {
    this.#liveSince = Date.now();
  }

  /** Gives up on the current socket (its state cannot be trusted) and opens another after a backoff. */
  fail(code: number, reason: string): void {
    this.#drop(code, reason);
    this.#reconnectLater();
  }

  /** Stops for good. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#drop(code, reason);
    this.#closed = true;
  }

  #connect(): void {
    this.#connectScheduled = false;
    if (this.#closed) return;
    const first = this.#owner.handshakeRoom();
    // Nothing to follow: `ensureOpen` opens the connection again.
    if (first === undefined) return;
    const generation = ++this.#generation;
    const token = this.#options.auth?.token;
    if (!token) {
      this.#openSocket(first, generation, undefined);
      return;
    }
    // Until the token comes, a handshake is under way: nothing else may open a socket.
    this.#connectScheduled = true;
    token().then(
      (token) => {
        if (generation !== this.#generation || this.#closed) return;
        this.#connectScheduled = false;
        this.#openSocket(first, generation, token);
      },
      (error: unknown) => {
        if (generation !== this.#generation || this.#closed) return;
        this.#connectScheduled = false;
        this.#owner.error(new ChatError(`Could not get a token: ${String(error)}`, { cause: error }));
        this.#reconnectLater();
      },
    );
  }

  #openSocket(first: string, generation: number, token: string | undefined): void {
    let socket: WebSocketLike;
    try {
      socket = new this.#WebSocket(this.#url(first, token));
    } catch (error) {
      this.#owner.error(new ChatProtocolError(`Cannot open the WebSocket: ${String(error)}`));
      this.#reconnectLater();
      return;
    }
    this.#socket = socket;
    let opened = false;
    const current = () => generation === this.#generation && !this.#closed;
    socket.addEventListener("open", () => {
      if (!current()) return;
      opened = true;
      this.#open = true;
      this.#startTimers(generation);
      this.#owner.opened(first);
    });
    socket.addEventListener("message", (event) => {
      if (current()) this.#owner.received(event.data);
    });
    socket.addEventListener("close", () => {
      if (!current()) return;
      this.#drop();
      // A handshake refused before opening: its status cannot be read here, so ask the API why before retrying.
      if (!opened && this.#options.auth) this.#lookIntoRefusal(this.#options.auth, first);
      else this.#reconnectLater();
    });
    // An error is always followed by a close, which reconnects.
    socket.addEventListener("error", () => undefined);
  }

  /**
   * After a handshake that never opened: a token the API refuses (401 even after a fresh one) or a user it does not
   * allow (403: banned from the room, with or without a token) stops the socket for good, rather than reconnecting forever; anything else reconnects as usual.
   */
  #lookIntoRefusal(auth: SocketAuth, roomId: string): void {
    const generation = this.#generation;
    this.#connectScheduled = true;
    this.#owner.reconnecting();
    const settle = (refusal: ChatError | undefined) => {
      if (generation !== this.#generation || this.#closed) return;
      this.#connectScheduled = false;
      if (!refusal) {
        this.#reconnectLater();
        return;
      }
      if (this.#owner.refused(refusal, roomId)) this.#closed = true;
      else this.#reconnectLater();
    };
    auth.refusal(roomId).then(settle, () => settle(undefined));
  }

  #url(roomId: string, token: string | undefined): string {
    const { wsUrl, userId, username } = this.#options;
    const base = (globalThis as { location?: { href: string } }).location?.href;
    const url = base === undefined ? new URL(wsUrl) : new URL(wsUrl, base);
    // A path behind a same-origin proxy (`/ws`) resolves to http(s); WebSocket wants ws(s).
    if (url.protocol === "http:") url.protocol = "ws:";
    if (url.protocol === "https:") url.protocol = "wss:";
    url.searchParams.set("roomId", roomId);
    if (userId !== undefined) url.searchParams.set("userId", userId);
    if (username !== undefined) url.searchParams.set("username", username);
    if (token !== undefined) url.searchParams.set("token", token);
    return url.toString();
  }

  #startTimers(generation: number): void {
    const { pingIntervalMs, pongTimeoutMs, maxConnectionAgeMs } = this.#options;
    this.#pingTimer = setInterval(() => {
      if (this.#pongTimer !== undefined) return;
      this.send({ type: "ping" });
      this.#pongTimer = setTimeout(() => {
        this.#pongTimer = undefined;
        if (generation !== this.#generation) return;
        this.#owner.error(new ChatProtocolError("No pong: the connection is taken as dead"));
        this.fail(4000, "no pong");
      }, pongTimeoutMs);
    }, pingIntervalMs);
    const age = maxConnectionAgeMs * (0.9 + 0.1 * this.#random());
    this.#timers.after(age, () => {
      if (generation !== this.#generation || this.#closed) return;
      // Renewed now, before API Gateway cuts it; the owner's catch-up on reopening covers the moment in between.
      this.#drop(1000, "renewing before the 2-hour cap");
      this.#attempt = 0;
      this.#owner.reconnecting();
      this.#connect();
    });
  }

  #drop(code?: number, reason?: string): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    this.#pingTimer = undefined;
    this.#pongTimer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    this.#open = false;
    this.#generation++;
    this.#owner.dropped();
    try {
      socket?.close(code, reason);
    } catch {
      // Closing a socket that never opened throws in some implementations; it is gone either way.
    }
  }

  #reconnectLater(): void {
    if (this.#closed) return;
    if (this.#liveSince > 0 && Date.now() - this.#liveSince >= STABLE_AFTER_MS) this.#attempt = 0;
    this.#liveSince = 0;
    this.#attempt++;
    const delay = backoffDelay(
      this.#attempt,
      { baseDelayMs: this.#options.reconnectBaseDelayMs, maxDelayMs: this.#options.reconnectMaxDelayMs },
      this.#random,
    );
    this.#owner.reconnecting();
    this.#connectScheduled = true;
    this.#timers.after(delay, () => this.#connect());
  }
}
