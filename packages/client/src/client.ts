import {
  BanRequest,
  BansResponse,
  type ChatMessage,
  CreateRoomRequest,
  EditMessageRequest,
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
  RoomResponse,
  SendMessageResponse,
  UpdateRoomRequest,
  VapidPublicKeyResponse,
} from "@chat/types";
import type { CallOptions, ChatClientOptions, PageQuery, PushSubscriptionLike } from "./client-options";
import { RealtimeConnection } from "./connection";
import { Credentials } from "./credentials";
import { ChatApiError, type ChatError } from "./errors";
import {
  encodedRoomPath,
  historySearch,
  messagePath,
  messageSegment,
  pageSearch,
  pushSubscriptionId,
  reactionPath,
  roomPath,
  userPath,
  userSegment,
} from "./paths";
import type { ConnectRoomsOptions } from "./realtime-options";
import type { WebSocketConstructor } from "./reconnecting-socket";
import type { HistoryQuery, RestApi, SendInput, SocketAuth } from "./rest-api";
import { type ConnectOptions, RoomSubscription } from "./subscription";
import { Transport } from "./transport";
import { parseOrThrow, sendRequest } from "./validate";

export type { CallOptions, ChatClientOptions, PageQuery, PushSubscriptionLike } from "./client-options";
export type { HistoryQuery, SendInput } from "./rest-api";

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
  readonly #credentials: Credentials;
  readonly #transport: Transport;
  readonly #options: ChatClientOptions;

  constructor(options: ChatClientOptions) {
    const credentials = new Credentials(options);
    this.#credentials = credentials;
    this.#options = options;
    this.socketAuth = {
      given: credentials.given,
      token: credentials.hasToken ? () => credentials.bearer(true) as Promise<string> : undefined,
      refusal: (roomId) => this.#refusal(roomId),
    };
    this.#transport = new Transport(options, credentials);
  }

  /**
   * The user: as given, else (with a token) the token's subject once a token has been read; undefined until then.
   */
  get userId(): string | undefined {
    return this.#credentials.userId;
  }

  /** The display name (trimmed, as the API stores it): the token's `name` or `preferred_username`, else as given. */
  get username(): string | undefined {
    return this.#credentials.username;
  }

  /**
   * Posts a message to a room and returns it as stored. A `clientMessageId` is generated when absent, so the
   * retries (network failures, 429, 503) can never store it twice; a replay answers with the first message.
   * The request is checked against `SendMessageRequest` first: a bad one throws a 400 `ChatApiError` unsent.
   */
  async send(roomId: string, input: SendInput, options: CallOptions = {}): Promise<ChatMessage> {
    // Only what was given: with a token, the API takes the rest from it.
    const body = sendRequest(this.#credentials.given, input);
    const { message } = await this.#transport.request(
      "POST",
      `${encodedRoomPath(roomId)}/messages`,
      SendMessageResponse,
      options,
      body,
    );
    return message;
  }

  /** A page of a room's messages, oldest first; `hasMore` says whether more exist in the direction read. */
  history(roomId: string, query: HistoryQuery = {}, options: CallOptions = {}): Promise<GetMessagesResponse> {
    const search = historySearch(query);
    return this.#transport.request(
      "GET",
      `${encodedRoomPath(roomId)}/messages${search}`,
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
    const search = historySearch(query);
    const path = `${roomPath(roomId)}/messages/${messageSegment(messageId)}/replies${search}`;
    return this.#transport.request("GET", path, GetRepliesResponse, options);
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
    const page = await this.#transport.request(
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
    return this.#transport.request("PUT", `${roomPath(roomId)}/read`, MarkReadResponse, options, body);
  }

  /** Who has read how far in a room (rooms of up to 100 readers; a bigger one is a 403 `ChatApiError`). */
  async reads(roomId: string, options: CallOptions = {}): Promise<ReadReceipt[]> {
    return (await this.#transport.request("GET", `${roomPath(roomId)}/reads`, ReadsResponse, options)).reads;
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
    return (
      await this.#transport.request("PATCH", messagePath(roomId, messageId), MessageResponse, options, body)
    ).message;
  }

  /**
   * Deletes a message (its author, or a moderator or owner of the room) and returns its tombstone (`text` "",
   * `deletedAt` set, no reactions). Deleting it again answers the same tombstone.
   */
  async deleteMessage(roomId: string, messageId: string, options: CallOptions = {}): Promise<ChatMessage> {
    return (await this.#transport.request("DELETE", messagePath(roomId, messageId), MessageResponse, options))
      .message;
  }

  /** Reacts to a message with an emoji (idempotent: adding it twice counts once). 409 when the message is deleted. */
  async addReaction(
    roomId: string,
    messageId: string,
    emoji: string,
    options: CallOptions = {},
  ): Promise<void> {
    await this.#transport.request("PUT", reactionPath(roomId, messageId, emoji), null, options);
  }

  /** Takes one's reaction back (idempotent: removing one not there changes nothing). */
  async removeReaction(
    roomId: string,
    messageId: string,
    emoji: string,
    options: CallOptions = {},
  ): Promise<void> {
    await this.#transport.request("DELETE", reactionPath(roomId, messageId, emoji), null, options);
  }

  /** A page of who reacted to a message with an emoji, by user id. */
  reactions(
    roomId: string,
    messageId: string,
    emoji: string,
    query: PageQuery = {},
    options: CallOptions = {},
  ): Promise<ReactionUsersResponse> {
    return this.#transport.request(
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
    return this.#transport.request("GET", `/rooms${pageSearch(query)}`, ListRoomsResponse, options);
  }

  /**
   * Creates a room, the caller its owner: `kind` `public` (default) or `private`, an optional display name.
   * Rejects with a 409 `ChatApiError` (`conflict`) when the id exists; a bad request is a 400 one, unsent.
   */
  async createRoom(input: CreateRoomRequest, options: CallOptions = {}): Promise<Room> {
    const body = parseOrThrow(CreateRoomRequest, input, "Invalid body");
    return (await this.#transport.request("POST", "/rooms", RoomResponse, options, body)).room;
  }

  /**
   * Renames a room or sets its slow mode (`slowModeSeconds`, 0–3600; 0 is off): owners and moderators. Answers the
   * room as it now is. At least one field; a bad request is a 400 `ChatApiError`, unsent.
   */
  async updateRoom(roomId: string, input: UpdateRoomRequest, options: CallOptions = {}): Promise<Room> {
    const body = parseOrThrow(UpdateRoomRequest, input, "Invalid body");
    return (await this.#transport.request("PATCH", roomPath(roomId), RoomResponse, options, body)).room;
  }

  /** A room, the caller's role in it (null if not a member) and how many users are connected to it now. */
  async room(roomId: string, options: CallOptions = {}): Promise<GetRoomResponse> {
    return this.#transport.request("GET", roomPath(roomId), GetRoomResponse, options);
  }

  /** The one direct room of the caller and `userId` (created the first time): the same whoever opens it. */
  async openDirect(userId: string, options: CallOptions = {}): Promise<Room> {
    return (await this.#transport.request("PUT", `/direct/${userSegment(userId)}`, RoomResponse, options))
      .room;
  }

  /** A page of the rooms the caller is a member of, with their role and newest message, latest activity first. */
  myRooms(query: PageQuery = {}, options: CallOptions = {}): Promise<MyRoomsResponse> {
    return this.#transport.request("GET", `/me/rooms${pageSearch(query)}`, MyRoomsResponse, options);
  }

  /** A page of a room's members (`GET /rooms/{roomId}/members`), by user id. For who is connected, see `presence`. */
  async roomMembers(
    roomId: string,
    query: PageQuery = {},
    options: CallOptions = {},
  ): Promise<MembersResponse> {
    return this.#transport.request(
      "GET",
      `${roomPath(roomId)}/members${pageSearch(query)}`,
      MembersResponse,
      options,
    );
  }

  /** Who is connected to a room now, one entry per user (at most 100), and how many exactly. */
  async presence(roomId: string, options: CallOptions = {}): Promise<PresenceResponse> {
    return this.#transport.request("GET", `${roomPath(roomId)}/presence`, PresenceResponse, options);
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
    const path = userPath(roomId, "members", userId);
    return (await this.#transport.request("PUT", path, MemberResponse, options, body)).member;
  }

  /** Removes a member: moderators remove members, owners anyone. Their connections stop receiving the room. */
  async removeMember(roomId: string, userId: string, options: CallOptions = {}): Promise<void> {
    await this.#transport.request("DELETE", userPath(roomId, "members", userId), null, options);
  }

  /** Becomes a member of a public room (REST; to receive its messages, follow it on a connection too). */
  async joinRoom(roomId: string, options: CallOptions = {}): Promise<Member> {
    return this.addMember(roomId, await this.#credentials.me(), {}, options);
  }

  /**
   * Leaves a room as a member (REST `DELETE /rooms/{roomId}/members/{me}`): every connection of the user gets
   * `unsubscribed` with reason `left`. Not to be confused with `RealtimeConnection.leave`, which only stops
   * following a room on one connection. The last owner cannot leave (409 `conflict`).
   */
  async leaveRoom(roomId: string, options: CallOptions = {}): Promise<void> {
    return this.removeMember(roomId, await this.#credentials.me(), options);
  }

  /** Bans a user from a room (moderator+): removed at once, and cannot read, post or rejoin until unbanned or `until`. */
  async ban(
    roomId: string,
    userId: string,
    input: BanRequest = {},
    options: CallOptions = {},
  ): Promise<void> {
    const body = parseOrThrow(BanRequest, input, "Invalid body");
    await this.#transport.request("PUT", userPath(roomId, "bans", userId), null, options, body);
  }

  /** Lifts a ban (moderator+). */
  async unban(roomId: string, userId: string, options: CallOptions = {}): Promise<void> {
    await this.#transport.request("DELETE", userPath(roomId, "bans", userId), null, options);
  }

  /** A page of the bans in force in a room (moderator+), by user id. */
  async bans(roomId: string, query: PageQuery = {}, options: CallOptions = {}): Promise<BansResponse> {
    return this.#transport.request(
      "GET",
      `${roomPath(roomId)}/bans${pageSearch(query)}`,
      BansResponse,
      options,
    );
  }

  /** Mutes a member (moderator+): they read but cannot post until unmuted or `until`. */
  async mute(
    roomId: string,
    userId: string,
    input: MuteRequest = {},
    options: CallOptions = {},
  ): Promise<void> {
    const body = parseOrThrow(MuteRequest, input, "Invalid body");
    await this.#transport.request("PUT", userPath(roomId, "mutes", userId), null, options, body);
  }

  /** Lifts a mute (moderator+). */
  async unmute(roomId: string, userId: string, options: CallOptions = {}): Promise<void> {
    await this.#transport.request("DELETE", userPath(roomId, "mutes", userId), null, options);
  }

  /** The stage's Web Push application server key (base64url), for `pushManager.subscribe`. */
  async vapidPublicKey(options: CallOptions = {}): Promise<string> {
    return (await this.#transport.request("GET", "/push/vapid-public-key", VapidPublicKeyResponse, options))
      .publicKey;
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
    await this.#transport.request("PUT", `/me/push-subscriptions/${id}`, null, options, body);
    return id;
  }

  /** Forgets a browser's Web Push subscription (the subscription or its endpoint; an unknown one is fine). */
  async unregisterPush(
    subscription: PushSubscriptionLike | string,
    options: CallOptions = {},
  ): Promise<void> {
    const endpoint = typeof subscription === "string" ? subscription : (subscription.endpoint ?? "");
    await this.#transport.request(
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
      await this.#transport.request("GET", `${encodedRoomPath(roomId)}/presence`, PresenceResponse, options)
    ).users;
  }

  /** The API's health, stage and version. */
  health(options: CallOptions = {}): Promise<HealthResponse> {
    return this.#transport.request("GET", "/health", HealthResponse, options);
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
      ? new RealtimeConnection(this, WebSocket, wsUrl, this.#transport.random, options)
      : new RoomSubscription(this, WebSocket, wsUrl, this.#transport.random, options);
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
    if (this.#credentials.namesSomeoneElse) {
      return new ChatApiError(403, { code: "forbidden", message: "userId must be the token's subject" });
    }
    return refused;
  }
}

/** Creates a {@link ChatClient}. */
export const createChatClient = (options: ChatClientOptions): ChatClient => new ChatClient(options);
