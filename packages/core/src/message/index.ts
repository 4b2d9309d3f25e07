export { current, edit, remove } from "./change";
export { IdempotencyEntity } from "./idempotency-entity";
export { type ListOptions, type ListResult, list } from "./list";
export {
  MessageEntity,
  type MessageItem,
  reactionCounts,
  storedReactions,
  toChatMessage,
} from "./message-entity";
export { postedBetween } from "./posted-between";
export * as Reaction from "./reaction";
export { isRepeat, type SendInput, type SendResult, send } from "./send";
export { changeOf, fromStreamImage, type MessageChange } from "./stream-image";
export { type AroundResult, around, replies } from "./thread";
