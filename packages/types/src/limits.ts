/**
 * Every validation limit of the contract, in one place. Schemas, handlers and the local stack read them
 * from here; nothing else writes these numbers.
 */
export const Limits = {
  /** Room ids: lower-cased, then 1–64 of `[a-z0-9_-]`, starting with a letter or digit. */
  roomIdPattern: /^[a-z0-9][a-z0-9_-]{0,63}$/,
  /** User ids: 1–128 of `[A-Za-z0-9_.:@-]`. */
  userIdPattern: /^[A-Za-z0-9_.:@-]{1,128}$/,
  /** Client message ids: 1–64 of `[A-Za-z0-9_-]`. */
  clientMessageIdPattern: /^[A-Za-z0-9_-]{1,64}$/,
  /** Display names, in Unicode code points after trimming. */
  usernameMaxLength: 50,
  /** Message text, in Unicode code points after trimming. */
  textMaxLength: 500,
  /** Page size of message history. */
  historyDefaultLimit: 50,
  historyMaxLimit: 100,
  /** Page size of every other paginated list (`?limit=`). */
  pageDefaultLimit: 50,
  pageMaxLimit: 100,
  /** Room names and ban reasons, in Unicode code points after trimming. */
  roomNameMaxLength: 80,
  banReasonMaxLength: 200,
  /** Users listed by `GET /rooms/{roomId}/presence` (its `count` is exact). */
  presenceMaxUsers: 100,
  /** Unread messages counted per room at most: an `unreadCount` of 100 means "100 or more". */
  unreadMaxCount: 100,
  /** Read receipts (`GET /rooms/{roomId}/reads`, `read` frames) are kept for rooms of up to this many readers. */
  readReceiptsMaxReaders: 100,
  /** A room's slow mode: the longest interval between two posts of one user, in seconds (0 is off). */
  slowModeMaxSeconds: 3600,
  /** Rooms one WebSocket connection may be subscribed to at once. */
  roomsPerConnection: 20,
  /** Request bodies and WebSocket frames, in UTF-8 bytes. */
  maxBodyBytes: 16 * 1024,
  /** A reaction's emoji, in Unicode code points. */
  emojiMaxLength: 32,
  /** Distinct emoji on one message, and emoji one user may put on one message. */
  reactionsPerMessage: 20,
  reactionsPerUserPerMessage: 10,
  /** How long a `(roomId, userId, clientMessageId)` send is remembered, in seconds. */
  idempotencyTtlSeconds: 24 * 60 * 60,
  /** How long a connection row lives without a disconnect (API Gateway's 2-hour cap plus slack), in seconds. */
  connectionTtlSeconds: 3 * 60 * 60,
  /** A room's blocklist: at most this many words or phrases, each 1–50 code points. */
  blocklistMaxWords: 500,
  blockedWordMaxLength: 50,
  /** Web Push subscription endpoints, in characters. */
  pushEndpointMaxLength: 1024,
  /** A push notification's text, in code points (the message is cut). */
  pushTextMaxLength: 100,
} as const;

/** The room that always exists. */
export const DEFAULT_ROOM_ID = "general";
