import type { ChatMessage, PresentUser } from "@chat/types";
import { RealtimeConnection } from "./connection";
import type { ConnectionStatus, RealtimeEvents, RealtimeOptions } from "./realtime-options";
import type { WebSocketConstructor } from "./reconnecting-socket";
import type { RestApi } from "./rest-api";

/** The events of a {@link RoomSubscription}: those of a {@link RealtimeConnection}, for its one room. */
export type SubscriptionEvents = RealtimeEvents;

/** Options of `connect({ roomId })`. Durations default to what API Gateway's limits call for. */
export interface ConnectOptions extends RealtimeOptions {
  roomId: string;
  /** Resume after this message id: everything newer is delivered first. */
  after?: string;
}

/**
 * A live view of one room: a {@link RealtimeConnection} that follows just that room. On every (re)connect it
 * catches up with `history(roomId, { after })` from a margin (5 s) before `lastSeenId`, paging while `hasMore`,
 * while buffering pushes that arrive meanwhile; it then delivers the union in id order. Messages are deduplicated by id, so a message pushed
 * twice, or both pushed and caught up, is delivered once. It pings to stay inside API Gateway's idle limit, renews
 * the connection before the 2-hour cap, and reconnects with jittered exponential backoff. Sends go over REST unless
 * `sendOver: "socket"`.
 */
export class RoomSubscription {
  /** The room, as given (the API lower-cases room ids). */
  readonly roomId: string;
  readonly #connection: RealtimeConnection;

  /** Use `client.connect({ roomId })`. Throws a 400 `ChatApiError` for an invalid room id, unsent. */
  constructor(
    api: RestApi,
    WebSocket: WebSocketConstructor,
    wsUrl: string,
    random: () => number,
    { roomId, after, backlog, ...options }: ConnectOptions,
  ) {
    this.roomId = roomId;
    const room = { roomId, ...(after !== undefined && { after }), ...(backlog !== undefined && { backlog }) };
    this.#connection = new RealtimeConnection(api, WebSocket, wsUrl, random, {
      sendOver: "rest",
      ...options,
      rooms: [room],
    });
  }

  /** The connection's current state. */
  get status(): ConnectionStatus {
    return this.#connection.status;
  }

  /** The newest message id delivered: pass it as `after` to resume elsewhere. */
  get lastSeenId(): string | undefined {
    return this.#connection.lastSeenId(this.roomId);
  }

  /** With `trackMembers`: who is in the room, one entry per user, kept up to date by presence. */
  get members(): PresentUser[] {
    return this.#connection.members(this.roomId);
  }

  /** Listens to an event; returns the function that stops listening. */
  on<K extends keyof SubscriptionEvents>(
    event: K,
    listener: (value: SubscriptionEvents[K]) => void,
  ): () => void {
    return this.#connection.on(event, listener);
  }

  /**
   * Sends a message to the room optimistically: a `pending` event at once, then the stored message arrives as a
   * `message` event with the same `clientMessageId` (the `pending` is then done). A failure emits the pending
   * again as `failed` and rejects; `retry` resends it with the same id, so it is never stored twice.
   */
  send(text: string, options: { clientMessageId?: string; parentId?: string } = {}): Promise<ChatMessage> {
    return this.#connection.send(this.roomId, text, options);
  }

  /** Sends a failed pending message again, with its `clientMessageId`. */
  retry(clientMessageId: string): Promise<ChatMessage> {
    return this.#connection.retry(clientMessageId);
  }

  /** Tells the room this user is typing (throttled, see {@link RealtimeConnection.typing}); returns whether sent. */
  typing(): boolean {
    return this.#connection.typing(this.roomId);
  }

  /** Stops for good: closes the connection, stops every timer and forgets the listeners. */
  close(): void {
    this.#connection.close();
  }
}
