import * as v from "valibot";
import {
  ClientMessageId,
  Emoji,
  MessageId,
  MessageText,
  RoomId,
  Timestamp,
  UserId,
  Username,
} from "./fields";
import { Limits } from "./limits";

/** One emoji's count on a message (only counts above zero are listed). */
export const ReactionCount = v.object({
  emoji: Emoji,
  count: v.pipe(v.number(), v.integer(), v.minValue(1)),
});
export type ReactionCount = v.InferOutput<typeof ReactionCount>;

/** The one message model, camelCase on every wire (REST, WebSocket, stream). */
export const ChatMessage = v.object({
  /** ULID: lexicographic order is time order. */
  id: MessageId,
  roomId: RoomId,
  userId: UserId,
  username: Username,
  /** The current text: edited text after an edit, "" once deleted. */
  text: v.union([v.literal(""), MessageText]),
  createdAt: Timestamp,
  clientMessageId: v.nullable(ClientMessageId),
  /** The message this one replies to (threads are one level deep); null for a top-level message. */
  parentId: v.nullable(MessageId),
  /** How many replies a top-level message has (0 for a reply). */
  replyCount: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** When its author last edited it; null if never. */
  editedAt: v.nullable(Timestamp),
  /** When it was deleted (a tombstone: `text` "", no reactions); null while it stands. */
  deletedAt: v.nullable(Timestamp),
  /** Reaction counts, in order of first use. */
  reactions: v.array(ReactionCount),
});
export type ChatMessage = v.InferOutput<typeof ChatMessage>;

/**
 * The state of a top-level message as first stored: no replies, never edited or deleted, no reactions. For code that
 * builds a `ChatMessage` itself (an optimistic UI, tests, benches): `{ id, roomId, ..., ...newMessageState() }`.
 */
export const newMessageState = (): Pick<
  ChatMessage,
  "parentId" | "replyCount" | "editedAt" | "deletedAt" | "reactions"
> => ({ parentId: null, replyCount: 0, editedAt: null, deletedAt: null, reactions: [] });

/**
 * Body of `POST /rooms/{roomId}/messages`. Unknown keys are rejected, so a misspelt field fails loudly.
 * `userId` and `username` may be left out when the stage requires tokens (the token names the sender); a stage
 * without tokens requires both, which the edge checks since only it knows the stage's mode.
 */
export const SendMessageRequest = v.strictObject({
  userId: v.optional(UserId),
  username: v.optional(Username),
  text: MessageText,
  clientMessageId: v.optional(ClientMessageId),
  /** Makes the message a reply to this top-level message of the room. */
  parentId: v.optional(MessageId),
});
export type SendMessageRequest = v.InferOutput<typeof SendMessageRequest>;

/** 201 for a new message, 200 for an idempotent replay (the first message). */
export const SendMessageResponse = v.object({ message: ChatMessage });
export type SendMessageResponse = v.InferOutput<typeof SendMessageResponse>;

/** Path parameters of the `/rooms/{roomId}/...` routes. */
export const RoomPath = v.object({ roomId: RoomId });
export type RoomPath = v.InferOutput<typeof RoomPath>;

/** Path parameters of the `/rooms/{roomId}/messages/{messageId}` routes. */
export const MessagePath = v.object({ roomId: RoomId, messageId: MessageId });
export type MessagePath = v.InferOutput<typeof MessagePath>;

/** Body of `PATCH /rooms/{roomId}/messages/{messageId}`: the new text, validated like a send's. */
export const EditMessageRequest = v.strictObject({ text: MessageText });
export type EditMessageRequest = v.InferOutput<typeof EditMessageRequest>;

/** `PATCH` (the edited message) and `DELETE` (its tombstone) of `/rooms/{roomId}/messages/{messageId}`. */
export const MessageResponse = v.object({ message: ChatMessage });
export type MessageResponse = v.InferOutput<typeof MessageResponse>;

// A query parameter given twice reaches the schema as an array, hence this message.
const once = "must be given once";

const Limit = v.pipe(
  v.string(once),
  v.regex(/^\d{1,3}$/, `must be an integer from 1 to ${Limits.historyMaxLimit}`),
  v.transform(Number),
  v.minValue(1, `must be an integer from 1 to ${Limits.historyMaxLimit}`),
  v.maxValue(Limits.historyMaxLimit, `must be an integer from 1 to ${Limits.historyMaxLimit}`),
);

const Cursor = v.pipe(v.string(once), v.ulid("must be a message id"), v.toUpperCase());

/**
 * Query of `GET /rooms/{roomId}/messages`. Without `after`: the newest `limit` messages (older than `before`);
 * with `after`: the oldest `limit` messages newer than it. Unknown parameters are ignored.
 */
export const GetMessagesQuery = v.pipe(
  v.object({
    limit: v.optional(Limit, String(Limits.historyDefaultLimit)),
    before: v.optional(Cursor),
    after: v.optional(Cursor),
    around: v.optional(Cursor),
  }),
  v.forward(
    v.check(
      (query) => query.before === undefined || query.after === undefined,
      "use before or after, not both",
    ),
    ["after"],
  ),
  v.forward(
    v.check(
      (query) => query.around === undefined || (query.before === undefined && query.after === undefined),
      "use around alone, without before or after",
    ),
    ["around"],
  ),
);
export type GetMessagesQuery = v.InferOutput<typeof GetMessagesQuery>;

/** Messages oldest-first; `hasMore` says whether more exist beyond the page, in the direction read. */
export const GetMessagesResponse = v.object({
  roomId: RoomId,
  messages: v.array(ChatMessage),
  hasMore: v.boolean(),
  /** With `around` only: whether messages older than the page exist (`hasMore` says the same). */
  hasOlder: v.optional(v.boolean()),
  /** With `around` only: whether messages newer than the page exist. */
  hasNewer: v.optional(v.boolean()),
});
export type GetMessagesResponse = v.InferOutput<typeof GetMessagesResponse>;

/** Path parameters of the `/rooms/{roomId}/messages/{messageId}/...` routes. */
export const RoomMessagePath = v.object({ roomId: RoomId, messageId: MessageId });
export type RoomMessagePath = v.InferOutput<typeof RoomMessagePath>;

/**
 * Query of `GET /rooms/{roomId}/messages/{messageId}/replies`: paged like the room's history (without `after`:
 * the newest `limit` replies, older than `before`; with `after`: the oldest `limit` newer than it).
 */
export const GetRepliesQuery = v.pipe(
  v.object({
    limit: v.optional(Limit, String(Limits.historyDefaultLimit)),
    before: v.optional(Cursor),
    after: v.optional(Cursor),
  }),
  v.forward(
    v.check(
      (query) => query.before === undefined || query.after === undefined,
      "use before or after, not both",
    ),
    ["after"],
  ),
);
export type GetRepliesQuery = v.InferOutput<typeof GetRepliesQuery>;

/** A page of a thread's replies, oldest first; `hasMore` as in the room's history. */
export const GetRepliesResponse = v.object({
  roomId: RoomId,
  parentId: MessageId,
  messages: v.array(ChatMessage),
  hasMore: v.boolean(),
});
export type GetRepliesResponse = v.InferOutput<typeof GetRepliesResponse>;
