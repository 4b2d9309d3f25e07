import * as v from "valibot";
import { ErrorResponse } from "./error";
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
import { DEFAULT_ROOM_ID } from "./limits";
import { ChatMessage } from "./message";
import { Member } from "./room";

/**
 * Query of the WebSocket handshake: `?roomId=general&userId=u1&username=alice` (plus `token` when the stage
 * requires one). The room is the connection's first subscription. Unknown parameters are ignored.
 */
export const ConnectQuery = v.object({
  roomId: v.optional(RoomId, DEFAULT_ROOM_ID),
  userId: v.optional(UserId),
  username: v.optional(Username),
});
export type ConnectQuery = v.InferOutput<typeof ConnectQuery>;

// client -> server. Unknown keys are refused, as in request bodies.

/** Keeps the connection alive and measures round trips: answered with `pong`. */
export const PingFrame = v.strictObject({ type: v.literal("ping") });
export type PingFrame = v.InferOutput<typeof PingFrame>;

/** Sends a message as the connection's user, exactly like `POST /rooms/{roomId}/messages`: answered with `ack`. */
export const SendFrame = v.strictObject({
  type: v.literal("send"),
  roomId: RoomId,
  text: MessageText,
  clientMessageId: v.optional(ClientMessageId),
  /** Makes the message a reply, as in `POST /rooms/{roomId}/messages`. */
  parentId: v.optional(MessageId),
});
export type SendFrame = v.InferOutput<typeof SendFrame>;

/** Starts receiving a room's messages, typing and presence: answered with `subscribed`. */
export const SubscribeFrame = v.strictObject({ type: v.literal("subscribe"), roomId: RoomId });
export type SubscribeFrame = v.InferOutput<typeof SubscribeFrame>;

/** Stops receiving a room: answered with `unsubscribed`. */
export const UnsubscribeFrame = v.strictObject({ type: v.literal("unsubscribe"), roomId: RoomId });
export type UnsubscribeFrame = v.InferOutput<typeof UnsubscribeFrame>;

/** "I am typing" in a subscribed room: relayed to the room's other connections, not stored, throttled per user. */
export const TypingFrame = v.strictObject({ type: v.literal("typing"), roomId: RoomId });
export type TypingFrame = v.InferOutput<typeof TypingFrame>;

/** Every frame a client may send. */
export const ClientFrame = v.variant("type", [
  PingFrame,
  SendFrame,
  SubscribeFrame,
  UnsubscribeFrame,
  TypingFrame,
]);
export type ClientFrame = v.InferOutput<typeof ClientFrame>;

// server -> client

/** A new message in one of the connection's rooms. */
export const MessageFrame = v.object({ type: v.literal("message"), message: ChatMessage });
export type MessageFrame = v.InferOutput<typeof MessageFrame>;

/** A message of the room was edited: its current state (dedup by `id`, keep the latest `editedAt`). */
export const MessageUpdatedFrame = v.object({ type: v.literal("message.updated"), message: ChatMessage });
export type MessageUpdatedFrame = v.InferOutput<typeof MessageUpdatedFrame>;

/** A message of the room was deleted: its tombstone (`text` "", `deletedAt` set, no reactions). */
export const MessageDeletedFrame = v.object({ type: v.literal("message.deleted"), message: ChatMessage });
export type MessageDeletedFrame = v.InferOutput<typeof MessageDeletedFrame>;

/** A user added or removed a reaction to a message; `count` is the emoji's count on it after the change. */
export const ReactionFrame = v.object({
  type: v.literal("reaction"),
  roomId: RoomId,
  messageId: MessageId,
  emoji: Emoji,
  userId: UserId,
  event: v.picklist(["added", "removed"]),
  count: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type ReactionFrame = v.InferOutput<typeof ReactionFrame>;

export const PongFrame = v.object({ type: v.literal("pong"), timestamp: Timestamp });
export type PongFrame = v.InferOutput<typeof PongFrame>;

/** A `send` frame was stored (or was a repeat: `message` is then the first one). */
export const AckFrame = v.object({
  type: v.literal("ack"),
  clientMessageId: v.nullable(ClientMessageId),
  message: ChatMessage,
});
export type AckFrame = v.InferOutput<typeof AckFrame>;

export const SubscribedFrame = v.object({ type: v.literal("subscribed"), roomId: RoomId });
export type SubscribedFrame = v.InferOutput<typeof SubscribedFrame>;

/** Why a connection stopped receiving a room without asking: its user left, was removed or was banned. */
export const UnsubscribeReason = v.picklist(["left", "removed", "banned"]);
export type UnsubscribeReason = v.InferOutput<typeof UnsubscribeReason>;

/**
 * The connection no longer receives the room: the answer to its `unsubscribe` (no `reason`), or, with a `reason`,
 * because its user left the room (from any connection), was removed or was banned.
 */
export const UnsubscribedFrame = v.object({
  type: v.literal("unsubscribed"),
  roomId: RoomId,
  reason: v.optional(UnsubscribeReason),
});
export type UnsubscribedFrame = v.InferOutput<typeof UnsubscribedFrame>;

/** Someone else in the room is typing. */
export const TypingNoticeFrame = v.object({
  type: v.literal("typing"),
  roomId: RoomId,
  userId: UserId,
  username: Username,
});
export type TypingNoticeFrame = v.InferOutput<typeof TypingNoticeFrame>;

/** A user's first connection joined the room, or their last one left it (unsubscribed, disconnected or gone). */
export const PresenceFrame = v.object({
  type: v.literal("presence"),
  roomId: RoomId,
  event: v.picklist(["join", "leave"]),
  userId: UserId,
  username: Username,
});
export type PresenceFrame = v.InferOutput<typeof PresenceFrame>;

/**
 * The room's membership changed (in rooms of up to 100 connections, like presence): a member was added, removed
 * (left, removed or banned) or updated (a role, a mute).
 */
export const MemberFrame = v.object({
  type: v.literal("member"),
  roomId: RoomId,
  event: v.picklist(["added", "removed", "updated"]),
  member: Member,
});
export type MemberFrame = v.InferOutput<typeof MemberFrame>;

/** A user's read cursor in the room moved forward (in rooms of up to 100 connections, like presence). */
export const ReadFrame = v.object({
  type: v.literal("read"),
  roomId: RoomId,
  userId: UserId,
  messageId: MessageId,
});
export type ReadFrame = v.InferOutput<typeof ReadFrame>;

/**
 * A frame was rejected; the connection stays open. A rejected `send` carries its `clientMessageId` (null if it had
 * none), so the client knows which optimistic message failed; a rejected room frame carries its `roomId`.
 */
export const ErrorFrame = v.object({
  type: v.literal("error"),
  clientMessageId: v.optional(v.nullable(ClientMessageId)),
  roomId: v.optional(RoomId),
  error: ErrorResponse,
  /** With `rate_limited` (and `unavailable`): seconds after which a retry may succeed, as REST's `retry-after`. */
  retryAfter: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});
export type ErrorFrame = v.InferOutput<typeof ErrorFrame>;

/** Every frame the server may send. */
export const ServerFrame = v.variant("type", [
  MessageFrame,
  MessageUpdatedFrame,
  MessageDeletedFrame,
  ReactionFrame,
  PongFrame,
  AckFrame,
  SubscribedFrame,
  UnsubscribedFrame,
  TypingNoticeFrame,
  PresenceFrame,
  MemberFrame,
  ReadFrame,
  ErrorFrame,
]);
export type ServerFrame = v.InferOutput<typeof ServerFrame>;
