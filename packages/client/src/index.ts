export {
  type CallOptions,
  ChatClient,
  type ChatClientOptions,
  createChatClient,
  type HistoryQuery,
  type SendInput,
} from "./client";
export { ChatApiError, ChatError, ChatNetworkError, ChatProtocolError } from "./errors";
export { newClientMessageId } from "./ids";
export { backoffDelay, parseRetryAfter, type RetryEvent, type RetryOptions } from "./retry";
export {
  type ConnectionStatus,
  type ConnectOptions,
  type PendingMessage,
  RoomSubscription,
  type SubscriptionEvents,
  type WebSocketConstructor,
  type WebSocketLike,
} from "./subscription";
