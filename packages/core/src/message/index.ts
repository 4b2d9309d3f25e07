export { IdempotencyEntity } from "./idempotency-entity";
export { type ListOptions, type ListResult, list } from "./list";
export { MessageEntity, type MessageItem, toChatMessage } from "./message-entity";
export { postedBetween } from "./posted-between";
export { earlier, type SendInput, type SendResult, send } from "./send";
export { fromStreamImage } from "./stream-image";
export { type AroundResult, around, replies } from "./thread";
