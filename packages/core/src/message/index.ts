export { IdempotencyEntity } from "./idempotency-entity";
export { type ListOptions, type ListResult, list } from "./list";
export { MessageEntity, type MessageItem, toChatMessage } from "./message-entity";
export { isRepeat, type SendInput, type SendResult, send } from "./send";
export { fromStreamImage } from "./stream-image";
