import {
  BanRequest,
  BansResponse,
  type ChatMessage,
  CreateRoomRequest,
  EditMessageRequest,
  Emoji,
  ErrorResponse,
  GetMessagesResponse,
  GetRepliesResponse,
  GetRoomResponse,
  HealthResponse,
  ListRoomsResponse,
  MarkReadRequest,
  MarkReadResponse,
  type Member,
  MemberResponse,
  MembersResponse,
  MessageId,
  MessageResponse,
  MuteRequest,
  MyRoomsResponse,
  PresenceResponse,
  type PresentUser,
  PushSubscriptionRequest,
  PutMemberRequest,
  ReactionUsersResponse,
  type ReadReceipt,
  ReadsResponse,
  type Room,
  RoomId,
  RoomResponse,
  SendMessageResponse,
  toErrorIssues,
  UpdateRoomRequest,
  UserId,
  Username,
  VapidPublicKeyResponse,
} from "@chat/types";
import * as v from "valibot";
import { RealtimeConnection } from "./connection";
import { ChatApiError, ChatError, ChatNetworkError, ChatProtocolError, codeForStatus } from "./errors";
import type { ConnectRoomsOptions } from "./realtime-options";
import type { WebSocketConstructor } from "./reconnecting-socket";
import type { HistoryQuery, RestApi, SendInput, SocketAuth } from "./rest-api";
import {
  backoffDelay,
  defaultRetry,
  isRetryableStatus,
  parseRetryAfter,
  type RetryEvent,
  type RetryOptions,
  sleep,
} from "./retry";
import { type ConnectOptions, RoomSubscription } from "./subscription";
import { parseOrThrow, sendRequest } from "./validate";

export type { HistoryQuery, SendInput } from "./rest-api";

/** A page of a list that can grow: `limit` 1–100 (default 50), `cursor` the previous page's `nextCursor`. */
export interface PageQuery {
  limit?: number;
  cursor?: string | null;
}

const pageSearch = ({ limit, cursor }: PageQuery = {}): string => {
  const params = new URLSearchParams();
  if (limit !== undefined) params.set("limit", String(limit));
  if (cursor !== undefined && cursor !== null) params.set("cursor", cursor);
  return params.size > 0 ? `?${params}` : "";
};

const roomPath = (roomId: string): string =>
  `/rooms/${encodeURIComponent(parseOrThrow(RoomId, roomId, "Invalid roomId", "roomId"))}`;
const messageSegment = (messageId: string): string =>
  parseOrThrow(MessageId, messageId, "Invalid messageId", "messageId");
const userSegment = (userId: string): string =>
  encodeURIComponent(parseOrThrow(UserId, userId, "Invalid userId", "userId"));
const messagePath = (roomId: string, messageId: string): string =>
  `${roomPath(roomId)}/messages/${encodeURIComponent(parseOrThrow(MessageId, messageId, "Invalid messageId", "messageId"))}`;
const reactionPath = (roomId: string, messageId: string, emoji: string): string =>
  `${messagePath(roomId, messageId)}/reactions/${encodeURIComponent(parseOrThrow(Emoji, emoji, "Invalid emoji", "emoji"))}`;

/** A header value fetch accepts everywhere: printable ASCII (a name beyond it is left to the API's default). */
const asciiHeader = (value: string | undefined): string | undefined =>
  value !== undefined && /^[\x20-\x7e]*$/.test(value) ? value : undefined;

/** Options of {@link createChatClient}. */
export interface ChatClientOptions {
  /** Base URL of the HTTP API: `http://127.0.0.1:3000` locally, the stage's API URL on AWS, or a path such as `/api` behind a proxy. */
  httpUrl: string;
  /** Base URL of the WebSocket API: `ws://127.0.0.1:3001` locally, the stage's WebSocket URL on AWS, or a path such as `/ws` behind a proxy. */
  wsUrl: string;
  /**
   * Who sends, validated like the API validates it: required without a `token`. With one they may be left out
   * (the token's subject is the user, its `name` claim the display name); a `userId` other than the token's subject
   * is refused (403), and a `username` counts only when the token has no name.
   */
  userId?: string;
  username?: string;
  /**
   * A bearer token for a stage that requires tokens, or a function that gets one (it may be async): REST calls
   * send it as `Authorization: Bearer`, the socket as `?token=`. A function is asked again for a fresh token after
   * a 401 (the call is then retried once) and before every (re)connect.
   */
  token?: string | (() => string | Promise<string>);
  /** Retries of network failures, 429 and 503 (and the gateway's 502/504). */
  retry?: RetryOptions;
  /** Gives up on one attempt after this long and counts it as a network failure. Default 15 s. */
  timeoutMs?: number;
  /** Called before each retry's wait: for logs and metrics. */
  onRetry?: (event: RetryEvent) => void;
  /** The `fetch` to use; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** The WebSocket class to use; default `globalThis.WebSocket` (Node 20 has none: pass the `ws` package's). */
  WebSocket?: WebSocketConstructor;
  /** The randomness behind retry jitter; default `Math.random`. */
  random?: () => number;
}

/** Options of one REST call. */
export interface CallOptions {
  /** Aborts the call, retries and waits included. */
  signal?: AbortSignal;
}

const Identity = v.object({ userId: UserId, username: Username });
const OptionalIdentity = v.object({ userId: v.optional(UserId), username: v.optional(Username) });

/**
 * What a token says of its user, read without verifying it (the API verifies it): the subject and display name,
 * to know who "I" am. Empty when it cannot be read.
 */
const claimsOf = (token: string): { sub?: unknown; name?: unknown; preferred_username?: unknown } => {
  try {
    const payload = token.split(".")[1] ?? "";
    const binary = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const claims: unknown = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0))),
    );
    return typeof claims === "object" && claims !== null ? claims : {};
  } catch {
    return {};
  }
};

/** A claim as the API would take it for a display name (trimmed, at most 50 characters), or undefined. */
const nameClaim = (claim: unknown): string | undefined => {
  if (typeof claim !== "string") return undefined;
  const parsed = v.safeParse(Username, [...claim.trim()].slice(0, 50).join(""));
  return parsed.success ? parsed.output : undefined;
};

/**
 * A typed client of the chat API for browsers and Node 20+. REST calls validate every answer against the
 * @chat/types schemas and retry what is safe to retry; `connect` opens a realtime connection to one room or many.
 */
export class ChatClient implements RestApi {
  /**
   * How this client's sockets say who they are (the identity given, or a fresh token from the provider) and learn
   * why a handshake was refused: what `connect` hands its realtime connection. Holds no token itself.
   */
  readonly socketAuth: SocketAuth;
  readonly #given: { userId?: string | undefined; username?: string | undefined };
  /** The newest token's claims. */
  #claims: ReturnType<typeof claimsOf> = {};
  /** The provider's latest token, shared by concurrent calls. */
  #token: Promise<string> | undefined;
  readonly #options: ChatClientOptions;
  readonly #retry: Required<RetryOptions>;
  readonly #fetch: typeof fetch;
  readonly #random: () => number;

  constructor(options: ChatClientOptions) {
    const { token } = options;
    if (token !== undefined && typeof token !== "function" && (typeof token !== "string" || token === "")) {
      throw new TypeError("`token` must be a non-empty string or a function returning one");
    }
    this.#given = parseOrThrow(
      token === undefined ? Identity : OptionalIdentity,
      { userId: options.userId, username: options.username },
      "Invalid identity",
    );
    this.#options = options;
    this.socketAuth = {
      given: this.#given,
      token: token === undefined ? undefined : () => this.#bearer(true) as Promise<string>,
      refusal: (roomId) => this.#refusal(roomId),
    };
    this.#retry = { ...defaultRetry, ...options.retry };
    // Bound: a bare `fetch` stored on an object and called as a method throws "Illegal invocation" in browsers.
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#random = options.random ?? Math.random;
  }

  /**
   * The user: as given, else (with a token) the token's subject once a token has been read; undefined until then.
   */
  get userId(): string | undefined {
    const { sub } = this.#claims;
    return this.#given.userId ?? (typeof sub === "string" && sub !== "" ? sub : undefined);
  }

  /** The display name (trimmed, as the API stores it): the token's `name` or `preferred_username`, else as given. */
  get username(): string | undefined {
    const { name, preferred_username } = this.#claims;
    return nameClaim(name) ?? nameClaim(preferred_username) ?? this.#given.username;
  }

  /**
   * Posts a message to a room and returns it as stored. A `clientMessageId` is generated when absent, so the
   * retries (network failures, 429, 503) can never store it twice; a replay answers with the first message.
   * The request is checked against `SendMessageRequest` first: a bad one throws a 400 `ChatApiError` unsent.
   */
  async send(roomId: string, input: SendInput, options: CallOptions = {}): Promise<ChatMessage> {
    // Only what was given: with a token, the API takes the rest from it.
    const body = sendRequest(this.#given, input);
    const { message } = await this.#request(
      "POST",
      `/rooms/${encodeURIComponent(roomId)}/messages`,
      SendMessageResponse,
      options,
      body,
    );
    return message;
  }

  /** A page of a room's messages, oldest first; `hasMore` says whether more exist in the direction read. */
  history(roomId: string, query: HistoryQuery = {}, options: CallOptions = {}): Promise<GetMessagesResponse> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    if (query.before !== undefined) params.set("before", query.before);
    if (query.after !== undefined) params.set("after", query.after);
    const search = params.size > 0 ? `?${params}` : "";
    return this.#request(
      "GET",
      `/rooms/${encodeURIComponent(roomId)}/messages${search}`,
      GetMessagesResponse,
      options,
    );
  }

  /** A page of a thread's replies, oldest first, paged like `history`. 404 `ChatApiError` for an unknown message. */
  replies(
    roomId: string,
    messageId: string,
    query: HistoryQuery = {},
    options: CallOptions = {},
  ): Promise<GetRepliesResponse> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    if (query.before !== undefined) params.set("before", query.before);
    if (query.after !== undefined) params.set("after", query.after);
    const search = params.size > 0 ? `?${params}` : "";
    const path = `${roomPath(roomId)}/messages/${messageSegment(messageId)}/replies${search}`;
    return this.#request("GET", path, GetRepliesResponse, options);
  }

  /**
   * The page of a room's history around a message (jump to it): about half older, the message, the rest newer,
   * with `hasOlder` and `hasNewer`. 404 `ChatApiError` when the room has no such message.
   */
  async messagesAround(
    roomId: string,
    messageId: string,
    query: { limit?: number } = {},
    options: CallOptions = {},
  ): Promise<GetMessagesResponse & { hasOlder: boolean; hasNewer: boolean }> {
    const params = new URLSearchParams({ around: messageSegment(messageId) });
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    const page = await this.#request(
      "GET",
      `${roomPath(roomId)}/messages?${params}`,
      GetMessagesResponse,
      options,
    );
    return { ...page, hasOlder: page.hasOlder ?? page.hasMore, hasNewer: page.hasNewer ?? false };
  }

  /**
   * Moves the caller's read cursor in a room forward to `messageId` (an older id changes nothing) and answers the
   * cursor and how many messages after it are unread (others', not deleted, up to 100).
   */
  markRead(roomId: string, messageId: string, options: CallOptions = {}): Promise<MarkReadResponse> {
    const body = parseOrThrow(MarkReadRequest, { messageId }, "Invalid body");
    return this.#request("PUT", `${roomPath(roomId)}/read`, MarkReadResponse, options, body);
  }

  /** Who has read how far in a room (rooms of up to 100 readers; a bigger one is a 403 `ChatApiError`). */
  async reads(roomId: string, options: CallOptions = {}): Promise<ReadReceipt[]> {
    return (await this.#request("GET", `${roomPath(roomId)}/reads`, ReadsResponse, options)).reads;
  }

  /**
   * Edits one's own message (the author only, while they may post in the room) and returns it with `editedAt`.
   * Rejects with 403 (not the author, or not allowed to post), 404 (no such message), 409 (deleted).
   */
  async editMessage(
    roomId: string,
    messageId: string,
    text: string,
    options: CallOptions = {},
  ): Promise<ChatMessage> {
    const body = parseOrThrow(EditMessageRequest, { text }, "Invalid body");
    return (await this.#request("PATCH", messagePath(roomId, messageId), MessageResponse, options, body))
      .message;
  }

  /**
   * Deletes a message (its author, or a moderator or owner of the room) and returns its tombstone (`text` "",
   * `deletedAt` set, no reactions). Deleting it again answers the same tombstone.
   */
  async deleteMessage(roomId: string, messageId: string, options: CallOptions = {}): Promise<ChatMessage> {
    return (await this.#request("DELETE", messagePath(roomId, messageId), MessageResponse, options)).message;
  }

  /** Reacts to a message with an emoji (idempotent: adding it twice counts once). 409 when the message is deleted. */
  async addReaction(
    roomId: string,
    messageId: string,
    emoji: string,
    options: CallOptions = {},
  ): Promise<void> {
    await this.#request("PUT", reactionPath(roomId, messageId, emoji), null, options);
  }

  /** Takes one's reaction back (idempotent: removing one not there changes nothing). */
  async removeReaction(
    roomId: string,
    messageId: string,
    emoji: string,
    options: CallOptions = {},
  ): Promise<void> {
    await this.#request("DELETE", reactionPath(roomId, messageId, emoji), null, options);
  }

  /** A page of who reacted to a message with an emoji, by user id. */
  reactions(
    roomId: string,
    messageId: string,
    emoji: string,
    query: PageQuery = {},
    options: CallOptions = {},
  ): Promise<ReactionUsersResponse> {
    return this.#request(
      "GET",
      `${reactionPath(roomId, messageId, emoji)}${pageSearch(query)}`,
      ReactionUsersResponse,
      options,
    );
  }

  /** The first page of the public rooms (kept for compatibility: {@link publicRooms} pages through them all). */
  async rooms(options: CallOptions = {}): Promise<Room[]> {
    return (await this.publicRooms({}, options)).rooms;
  }

  /** A page of the public rooms, by id (`GET /rooms`). */
  publicRooms(query: PageQuery = {}, options: CallOptions = {}): Promise<ListRoomsResponse> {
    return this.#request("GET", `/rooms${pageSearch(query)}`, ListRoomsResponse, options);
  }

  /**
   * Creates a room, the caller its owner: `kind` `public` (default) or `private`, an optional display name.
   * Rejects with a 409 `ChatApiError` (`conflict`) when the id exists; a bad request is a 400 one, unsent.
   */
  async createRoom(input: CreateRoomRequest, options: CallOptions = {}): Promise<Room> {
    const body = parseOrThrow(CreateRoomRequest, input, "Invalid body");
    return (await this.#request("POST", "/rooms", RoomResponse, options, body)).room;
  }

  /**
   * Renames a room or sets its slow mode (`slowModeSeconds`, 0–3600; 0 is off): owners and moderators. Answers the
   * room as it now is. At least one field; a bad request is a 400 `ChatApiError`, unsent.
   */
  async updateRoom(roomId: string, input: UpdateRoomRequest, options: CallOptions = {}): Promise<Room> {
    const body = parseOrThrow(UpdateRoomRequest, input, "Invalid body");
    return (await this.#request("PATCH", roomPath(roomId), RoomResponse, options, body)).room;
  }

  /** A room, the caller's role in it (null if not a member) and how many users are connected to it now. */
  async room(roomId: string, options: CallOptions = {}): Promise<GetRoomResponse> {
    return this.#request("GET", roomPath(roomId), GetRoomResponse, options);
  }

  /** The one direct room of the caller and `userId` (created the first time): the same whoever opens it. */
  async openDirect(userId: string, options: CallOptions = {}): Promise<Room> {
    return (await this.#request("PUT", `/direct/${userSegment(userId)}`, RoomResponse, options)).room;
  }

  /** A page of the rooms the caller is a member of, with their role and newest message, latest activity first. */
  myRooms(query: PageQuery = {}, options: CallOptions = {}): Promise<MyRoomsResponse> {
    return this.#request("GET", `/me/rooms${pageSearch(query)}`, MyRoomsResponse, options);
  }

  /** A page of a room's members (`GET /rooms/{roomId}/members`), by user id. For who is connected, see `presence`. */
  async roomMembers(
    roomId: string,
    query: PageQuery = {},
    options: CallOptions = {},
  ): Promise<MembersResponse> {
    return this.#request("GET", `${roomPath(roomId)}/members${pageSearch(query)}`, MembersResponse, options);
  }

  /** Who is connected to a room now, one entry per user (at most 100), and how many exactly. */
  async presence(roomId: string, options: CallOptions = {}): Promise<PresenceResponse> {
    return this.#request("GET", `${roomPath(roomId)}/presence`, PresenceResponse, options);
  }

  /**
   * Adds a member, or changes their role (owners only give `moderator` or `owner`). Adding oneself to a public room
   * is joining it (see {@link joinRoom}).
   */
  async addMember(
    roomId: string,
    userId: string,
    input: PutMemberRequest = {},
    options: CallOptions = {},
  ): Promise<Member> {
    const body = parseOrThrow(PutMemberRequest, input, "Invalid body");
    const path = `${roomPath(roomId)}/members/${userSegment(userId)}`;
    return (await this.#request("PUT", path, MemberResponse, options, body)).member;
  }

  /** Removes a member: moderators remove members, owners anyone. Their connections stop receiving the room. */
  async removeMember(roomId: string, userId: string, options: CallOptions = {}): Promise<void> {
    await this.#request("DELETE", `${roomPath(roomId)}/members/${userSegment(userId)}`, null, options);
  }

  /** Becomes a member of a public room (REST; to receive its messages, follow it on a connection too). */
  async joinRoom(roomId: string, options: CallOptions = {}): Promise<Member> {
    return this.addMember(roomId, await this.#me(), {}, options);
  }

  /**
   * Leaves a room as a member (REST `DELETE /rooms/{roomId}/members/{me}`): every connection of the user gets
   * `unsubscribed` with reason `left`. Not to be confused with `RealtimeConnection.leave`, which only stops
   * following a room on one connection. The last owner cannot leave (409 `conflict`).
   */
  async leaveRoom(roomId: string, options: CallOptions = {}): Promise<void> {
    return this.removeMember(roomId, await this.#me(), options);
  }

  /** Bans a user from a room (moderator+): removed at once, and cannot read, post or rejoin until unbanned or `until`. */
  async ban(
    roomId: string,
    userId: string,
    input: BanRequest = {},
    options: CallOptions = {},
  ): Promise<void> {
    const body = parseOrThrow(BanRequest, input, "Invalid body");
    await this.#request("PUT", `${roomPath(roomId)}/bans/${userSegment(userId)}`, null, options, body);
  }

  /** Lifts a ban (moderator+). */
  async unban(roomId: string, userId: string, options: CallOptions = {}): Promise<void> {
    await this.#request("DELETE", `${roomPath(roomId)}/bans/${userSegment(userId)}`, null, options);
  }

  /** A page of the bans in force in a room (moderator+), by user id. */
  async bans(roomId: string, query: PageQuery = {}, options: CallOptions = {}): Promise<BansResponse> {
    return this.#request("GET", `${roomPath(roomId)}/bans${pageSearch(query)}`, BansResponse, options);
  }

  /** Mutes a member (moderator+): they read but cannot post until unmuted or `until`. */
  async mute(
    roomId: string,
    userId: string,
    input: MuteRequest = {},
    options: CallOptions = {},
  ): Promise<void> {
    const body = parseOrThrow(MuteRequest, input, "Invalid body");
    await this.#request("PUT", `${roomPath(roomId)}/mutes/${userSegment(userId)}`, null, options, body);
  }

  /** Lifts a mute (moderator+). */
  async unmute(roomId: string, userId: string, options: CallOptions = {}): Promise<void> {
    await this.#request("DELETE", `${roomPath(roomId)}/mutes/${userSegment(userId)}`, null, options);
  }

  /** The stage's Web Push application server key (base64url), for `pushManager.subscribe`. */
  async vapidPublicKey(options: CallOptions = {}): Promise<string> {
    return (await this.#request("GET", "/push/vapid-public-key", VapidPublicKeyResponse, options)).publicKey;
  }

  /**
   * Registers a browser's Web Push subscription (`PushSubscription.toJSON()`, an https endpoint): the user then gets
   * a push for a new message in a room they belong to and have no connection subscribed to, at most one per room per
   * 30 s. Registering the same endpoint again replaces it. Resolves to the subscription's id.
   */
  async registerPush(subscription: PushSubscriptionLike, options: CallOptions = {}): Promise<string> {
    const body = parseOrThrow(
      PushSubscriptionRequest,
      { endpoint: subscription.endpoint, keys: subscription.keys },
      "Invalid push subscription",
    );
    const id = await pushSubscriptionId(body.endpoint);
    await this.#request("PUT", `/me/push-subscriptions/${id}`, null, options, body);
    return id;
  }

  /** Forgets a browser's Web Push subscription (the subscription or its endpoint; an unknown one is fine). */
  async unregisterPush(
    subscription: PushSubscriptionLike | string,
    options: CallOptions = {},
  ): Promise<void> {
    const endpoint = typeof subscription === "string" ? subscription : (subscription.endpoint ?? "");
    await this.#request(
      "DELETE",
      `/me/push-subscriptions/${await pushSubscriptionId(endpoint)}`,
      null,
      options,
    );
  }

  /**
   * Who is in a room now: one entry per user with at least one connection subscribed to it, whatever the number
   * of their connections.
   */
  async members(roomId: string, options: CallOptions = {}): Promise<PresentUser[]> {
    return (
      await this.#request("GET", `/rooms/${encodeURIComponent(roomId)}/presence`, PresenceResponse, options)
    ).users;
  }

  /** The API's health, stage and version. */
  health(options: CallOptions = {}): Promise<HealthResponse> {
    return this.#request("GET", "/health", HealthResponse, options);
  }

  /**
   * Subscribes to one room over the WebSocket API: each message once, in id order, across reconnects. See
   * {@link RoomSubscription}. Throws a 400 `ChatApiError` for an invalid room id.
   */
  connect(options: ConnectOptions): RoomSubscription;
  /**
   * Opens one WebSocket connection following several rooms (`join` and `leave` more as you go), each message once
   * and in id order per room across reconnects, with typing, presence and sends over the socket. See
   * {@link RealtimeConnection}. Throws a 400 `ChatApiError` for an invalid room id, a 403 one past 20 rooms.
   */
  connect(options: ConnectRoomsOptions): RealtimeConnection;
  connect(options: ConnectOptions | ConnectRoomsOptions): RoomSubscription | RealtimeConnection {
    const WebSocket =
      this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocket) {
      throw new TypeError(
        "No WebSocket here: pass the `WebSocket` option (in Node 20, the ws package's class)",
      );
    }
    const { wsUrl } = this.#options;
    return "rooms" in options
      ? new RealtimeConnection(this, WebSocket, wsUrl, this.#random, options)
      : new RoomSubscription(this, WebSocket, wsUrl, this.#random, options);
  }

  /** This user's id, needed by calls about oneself; with a token, known once the token has been read. */
  async #me(): Promise<string> {
    // With a token provider, the token names the user: read one first.
    await this.#bearer();
    const { userId } = this;
    if (userId === undefined)
      throw new ChatError("Who this user is is not known yet: no token has been read");
    return userId;
  }

  /** Calls the API; `schema` null: an answer without a body (204). */
  async #request<S extends v.GenericSchema>(
    method: string,
    path: string,
    schema: S,
    options: CallOptions,
    body?: unknown,
  ): Promise<v.InferOutput<S>>;
  async #request(
    method: string,
    path: string,
    schema: null,
    options: CallOptions,
    body?: unknown,
  ): Promise<void>;
  async #request<S extends v.GenericSchema>(
    method: string,
    path: string,
    schema: S | null,
    { signal }: CallOptions,
    body?: unknown,
  ): Promise<v.InferOutput<S> | undefined> {
    const url = `${this.#options.httpUrl.replace(/\/+$/, "")}${path}`;
    const { attempts, maxDelayMs } = this.#retry;
    const timeoutMs = this.#options.timeoutMs ?? 15_000;
    let token = await this.#bearer();
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      let answer: { status: number; headers: Headers; text: string };
      try {
        const timeout = AbortSignal.timeout(timeoutMs);
        const response = await this.#fetch(url, {
          method,
          headers: {
            accept: "application/json",
            ...(body !== undefined && { "content-type": "application/json" }),
            ...(token !== undefined && { authorization: `Bearer ${token}` }),
            ...(token === undefined && this.#callerHeaders()),
          },
          ...(body !== undefined && { body: JSON.stringify(body) }),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        // Read inside the try: a connection lost mid-body is a network failure too.
        answer = { status: response.status, headers: response.headers, text: await response.text() };
      } catch (cause) {
        if (signal?.aborted) throw signal.reason;
        if (attempt >= attempts) {
          throw new ChatNetworkError(`${method} ${path}: no answer after ${attempt} attempts`, { cause });
        }
        await this.#wait({ method, path, attempt, reason: "network" }, undefined, signal);
        continue;
      }
      if (answer.status >= 200 && answer.status < 300) {
        return schema === null ? undefined : parseBody(schema, answer.text, method, path);
      }
      const error = toApiError(answer.status, answer.text, answer.headers.get("x-request-id") ?? undefined);
      // The token expired or was revoked: a provider may have a fresh one. Once per call: a new token refused too
      // will not be accepted by asking again.
      if (answer.status === 401 && typeof this.#options.token === "function" && !refreshed) {
        refreshed = true;
        token = await this.#bearer(true);
        continue;
      }
      if (!isRetryableStatus(answer.status) || attempt >= attempts) throw error;
      const retryAfterMs = parseRetryAfter(answer.headers.get("retry-after"), Date.now());
      // Waiting less than asked would only be refused again; waiting longer than the cap is not what the caller wants.
      if (retryAfterMs !== undefined && retryAfterMs > maxDelayMs) throw error;
      await this.#wait({ method, path, attempt, reason: answer.status }, retryAfterMs, signal);
    }
  }

  /** Without a token, who calls: a request without a body names its caller by these headers. */
  #callerHeaders(): Record<string, string> {
    const { userId, username } = this.#given;
    const name = asciiHeader(username);
    return {
      ...(userId !== undefined && { "x-user-id": userId }),
      ...(name !== undefined && { "x-user-name": name }),
    };
  }

  /** The token to send: the string, or the provider's latest (`fresh`: ask it anew); undefined without one. */
  async #bearer(fresh = false): Promise<string | undefined> {
    const option = this.#options.token;
    if (option === undefined) return undefined;
    if (typeof option === "string") return this.#read(option);
    if (fresh || !this.#token) {
      const pending = (async () => {
        let token: unknown;
        try {
          token = await option();
        } catch (cause) {
          throw new ChatError(`The token provider failed: ${String(cause)}`, { cause });
        }
        if (typeof token !== "string" || token === "") {
          throw new ChatError("The token provider must return a non-empty string");
        }
        return token;
      })();
      this.#token = pending;
      // A failure is not remembered: the next call asks again.
      pending.catch(() => {
        if (this.#token === pending) this.#token = undefined;
      });
    }
    return this.#read(await this.#token);
  }

  #read(token: string): string {
    this.#claims = claimsOf(token);
    return token;
  }

  /** Why the API refuses this client, asked with a protected read of the room (see `SocketAuth.refusal`). */
  async #refusal(roomId: string): Promise<ChatError | undefined> {
    let refused: ChatApiError | undefined;
    try {
      await this.history(roomId, { limit: 1 });
    } catch (error) {
      if (error instanceof ChatApiError && (error.status === 401 || error.status === 403)) refused = error;
    }
    // A token the API does not accept is the reason, whoever it names: asked first, so the user is told to sign in
    // again rather than that they are someone else.
    if (refused?.status === 401) return refused;
    // A read cannot tell this one: the API refuses a handshake naming someone else than the token's subject.
    const { sub } = this.#claims;
    const { userId } = this.#given;
    if (userId !== undefined && typeof sub === "string" && sub !== userId) {
      return new ChatApiError(403, { code: "forbidden", message: "userId must be the token's subject" });
    }
    return refused;
  }

  async #wait(
    event: Omit<RetryEvent, "delayMs">,
    retryAfterMs: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const delayMs = retryAfterMs ?? backoffDelay(event.attempt, this.#retry, this.#random);
    this.#options.onRetry?.({ ...event, delayMs });
    await sleep(delayMs, signal);
  }
}

/** Creates a {@link ChatClient}. */
export const createChatClient = (options: ChatClientOptions): ChatClient => new ChatClient(options);

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

const parseBody = <S extends v.GenericSchema>(
  schema: S,
  text: string,
  method: string,
  path: string,
): v.InferOutput<S> => {
  const json = parseJson(text);
  if (!json.ok) throw new ChatProtocolError(`${method} ${path}: the answer is not JSON`);
  const result = v.safeParse(schema, json.value);
  if (!result.success) {
    throw new ChatProtocolError(
      `${method} ${path}: the answer does not match the contract`,
      toErrorIssues(result.issues),
    );
  }
  return result.output;
};

const toApiError = (status: number, text: string, requestId: string | undefined): ChatApiError => {
  const json = parseJson(text);
  const parsed = json.ok ? v.safeParse(ErrorResponse, json.value) : undefined;
  const error: ErrorResponse = parsed?.success
    ? parsed.output
    : { code: codeForStatus(status), message: `HTTP ${status} without an ErrorResponse body` };
  return new ChatApiError(status, error, requestId);
};

/** What `PushSubscription.toJSON()` gives (the fields the API reads). */
export interface PushSubscriptionLike {
  endpoint?: string | undefined;
  keys?: Record<string, string> | undefined;
}

/** A subscription's id: from its endpoint (SHA-256, base64url, 43 characters), so one browser has one id. */
const pushSubscriptionId = async (endpoint: string): Promise<string> => {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(endpoint));
  let binary = "";
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
