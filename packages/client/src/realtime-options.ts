import type { ChatMessage, Member, ReactionFrame, UnsubscribeReason } from "@chat/types";
import type { ChatError } from "./errors";
import type { MembersChange, PresenceEvent } from "./members";
import type { PendingMessage } from "./outbox";

/**
 * - `connecting`: the first connection is being opened, its rooms subscribed and caught up.
 * - `live`: connected, and every followed room subscribed and caught up; messages arrive as they are stored.
 * - `reconnecting`: the connection was lost (or is being renewed) and will be reopened and caught up.
 * - `closed`: `close()` was called; nothing more happens.
 */
export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "closed";

/** Someone else is typing in a room. Notices are not repeated while they type on: show one for about 5 s. */
export interface TypingNotice {
  roomId: string;
  userId: string;
  username: string;
}

/** The API ended a room's subscription: the user left it (from any connection), was removed or was banned. */
export interface Unsubscribed {
  roomId: string;
  reason: UnsubscribeReason;
}

/** A reaction added or removed (`count`: the emoji's count after it), with the message as it now stands if known. */
export type ReactionChange = Omit<ReactionFrame, "type"> & { message: ChatMessage | undefined };

/** A followed room's membership changed: a member was added, removed, or their role or mute changed. */
export interface MemberChange {
  roomId: string;
  event: "added" | "removed" | "updated";
  member: Member;
}

/** A user's read cursor in a followed room moved forward (rooms of up to 100 connections). */
export interface ReadNotice {
  roomId: string;
  userId: string;
  messageId: string;
}

/** The events of a `RealtimeConnection` (and of a `RoomSubscription`) and what each listener receives. */
export interface RealtimeEvents {
  /**
   * A stored message of a followed room, each one once: a catch-up's in id order per room, then each as it is
   * stored (one whose writer's clock lagged may have an older id than one delivered before).
   */
  message: ChatMessage;
  /**
   * A message of a followed room was edited: its latest state (replace it where shown). A repeated or late frame
   * that is no later than the state already delivered is not emitted.
   */
  "message.updated": ChatMessage;
  /** A message of a followed room was deleted: its tombstone (`text` "", `deletedAt` set, no reactions). */
  "message.deleted": ChatMessage;
  /**
   * Someone added or removed a reaction in a followed room: the frame, and the message with its counts updated
   * when this connection knows the message (it delivered it, or an update of it).
   */
  reaction: ReactionChange;
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
  /**
   * The API stopped sending a followed room: its user left it, was removed or was banned. The connection no longer
   * follows the room (no more of its messages, no re-subscribe on reconnect); `join` it again once allowed.
   */
  unsubscribed: Unsubscribed;
  /** A followed room's membership changed (frames the API sends in rooms of up to 100 connections). */
  member: MemberChange;
  /** Someone read a followed room up to `messageId` (frames the API sends in rooms of up to 100 connections). */
  read: ReadNotice;
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

export const realtimeDefaults = {
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
