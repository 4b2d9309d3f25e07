export {
  type CallOptions,
  ChatClient,
  type ChatClientOptions,
  createChatClient,
  type HistoryQuery,
  type PageQuery,
  type PushSubscriptionLike,
  type SendInput,
} from "./client";
export { RealtimeConnection } from "./connection";
export { ChatApiError, ChatError, ChatNetworkError, ChatProtocolError } from "./errors";
export { newClientMessageId } from "./ids";
export type { MembersChange, PresenceEvent } from "./members";
export type { PendingMessage } from "./outbox";
export type {
  ConnectionStatus,
  ConnectRoomsOptions,
  MemberChange,
  ReactionChange,
  ReadNotice,
  RealtimeEvents,
  RealtimeOptions,
  RoomStart,
  TypingNotice,
  Unsubscribed,
} from "./realtime-options";
export type { WebSocketConstructor, WebSocketLike } from "./reconnecting-socket";
export type { RestApi } from "./rest-api";
export { backoffDelay, parseRetryAfter, type RetryEvent, type RetryOptions } from "./retry";
export { CLOCK_SKEW_MARGIN_MS, isLaterState, KEPT_STATES } from "./room-feed";
export { type ConnectOptions, RoomSubscription, type SubscriptionEvents } from "./subscription";
export { TYPING_SHOWN_MS, TypingTracker } from "./typing";
