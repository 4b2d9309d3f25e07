export {
  type CallOptions,
  ChatClient,
  type ChatClientOptions,
  createChatClient,
  type HistoryQuery,
  type SendInput,
} from "./client";
export {
  type ConnectionStatus,
  type ConnectRoomsOptions,
  type MembersChange,
  type PendingMessage,
  type PresenceEvent,
  RealtimeConnection,
  type RealtimeEvents,
  type RealtimeOptions,
  type RoomStart,
  type TypingNotice,
  type WebSocketConstructor,
  type WebSocketLike,
} from "./connection";
export { ChatApiError, ChatError, ChatNetworkError, ChatProtocolError } from "./errors";
export { newClientMessageId } from "./ids";
export { backoffDelay, parseRetryAfter, type RetryEvent, type RetryOptions } from "./retry";
export { type ConnectOptions, RoomSubscription, type SubscriptionEvents } from "./subscription";
export { TYPING_SHOWN_MS, TypingTracker } from "./typing";
