import type { ChatMessage } from "@chat/types";
import { Limits } from "@chat/types";
import { decodeTime, monotonicFactory } from "ulid";
import { entityConfig, epochSeconds, Service } from "../entity";
import { AppError, conditionally, storage } from "../error";
import { IdempotencyEntity } from "./idempotency-entity";
import { MessageEntity, type MessageItem, toChatMessage } from "./message-entity";

// Sending lives apart from reading: only a handler that sends builds the idempotency entity and the transaction's
// service when it loads. The room row is not written here: `Room.preparePost` writes it once, with its kind and
// owner, before the first message.
const chat = new Service({ message: MessageEntity, idempotency: IdempotencyEntity }, entityConfig());

// Monotonic: two ids made in the same millisecond still sort in creation order.
const nextId = monotonicFactory();

// Replies to one parent contend for its row: DynamoDB cancels a transaction that meets another on the same item.
const MAX_ATTEMPTS = 5;

export interface SendInput {
  roomId: string;
  userId: string;
  username: string;
  text: string;
  clientMessageId?: string | undefined;
  /** A reply to this top-level message of the room. */
  parentId?: string | undefined;
}

export interface SendResult {
  message: ChatMessage;
  /** false when `clientMessageId` repeated an earlier send: `message` is that first message. */
  created: boolean;
}

type Attempt = { outcome: "created"; message: ChatMessage } | { outcome: "replay" } | { outcome: "retry" };

/**
 * Stores a message (its room must exist: see `Room.preparePost`). With a `clientMessageId`, the message and the
 * idempotency key are written in one
 * transaction; a repeat of `(roomId, userId, clientMessageId)` within 24 hours stores nothing and returns the
 * first message. Write conflicts are retried; storage trouble is `unavailable`.
 *
 * A reply (`parentId`) is stored in one transaction with its parent's `replyCount` increment (conditional on the
 * parent being a top-level message of the room) and the idempotency key if any, so a replay never counts twice:
 * the reply's row (2 WCU) and its thread index entry (1 WCU), the parent's count (2 WCU), the key (2 WCU): 5 or
 * 7 WCU. No such parent is 404 `not_found`; a parent that is itself a reply, 400 `validation_failed` (one
 * GetItem, 0.5 RCU, only on that refusal).
 */
export const send = async (input: SendInput): Promise<SendResult> => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const result = await storage(() => write(input));
    if (result.outcome === "created") return { message: result.message, created: true };
    if (result.outcome === "replay") return { message: await replay(input), created: false };
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
  }
  throw new AppError("unavailable", "Storage is busy, please retry");
};

const write = async (input: SendInput): Promise<Attempt> => {
  const id = nextId(Date.now());
  const createdAt = new Date(decodeTime(id)).toISOString();
  const { roomId, userId, username, text, clientMessageId, parentId } = input;
  const item: MessageItem = {
    roomId,
    id,
    userId,
    username,
    text,
    createdAt,
    ...(clientMessageId && { clientMessageId }),
    ...(parentId && { parentId, replyId: id }),
  };
  const message = toChatMessage(item);
  if (parentId !== undefined) return writeReply(item, parentId, message);

  if (clientMessageId === undefined) {
    const created = await conditionally(MessageEntity.create(item).go({ response: "none" }));
    return created ? { outcome: "created", message } : { outcome: "retry" };
  }

  const now = epochSeconds();
  const { canceled, data } = await chat.transaction
    .write(({ message, idempotency }) => [
      message.create(item).commit(),
      idempotency
        .put({
          roomId,
          userId,
          clientMessageId,
          messageId: id,
          expiresAt: now + Limits.idempotencyTtlSeconds,
        })
        // An expired key may linger until TTL removes it: it no longer counts.
        .where(
          ({ messageId, expiresAt }, { notExists, lt }) => `${notExists(messageId)} OR ${lt(expiresAt, now)}`,
        )
        .commit(),
    ])
    .go();

  if (!canceled) return { outcome: "created", message };
  const keyTaken = data.at(-1)?.code === "ConditionalCheckFailed";
  // Otherwise an id collision or a transaction conflict: both succeed on a retry with a fresh id.
  return keyTaken ? { outcome: "replay" } : { outcome: "retry" };
};

const writeReply = async (item: MessageItem, parentId: string, message: ChatMessage): Promise<Attempt> => {
  const { canceled, data } = await chat.transaction
    .write(({ message: messages, idempotency }) => [
      messages.create(item).commit(),
      messages
        .patch({ roomId: item.roomId, id: parentId })
        .add({ replyCount: 1 })
        // `patch` also requires the row to exist: no such parent in this room fails here too.
        .where(({ parentId: parentsParent }, { notExists }) => notExists(parentsParent))
        .commit(),
      ...(item.clientMessageId === undefined
        ? []
        : [
            idempotency
              .put({
                roomId: item.roomId,
                userId: item.userId,
                clientMessageId: item.clientMessageId,
                messageId: item.id,
                expiresAt: epochSeconds() + Limits.idempotencyTtlSeconds,
              })
              .where(
                ({ messageId, expiresAt }, { notExists, lt }) =>
                  `${notExists(messageId)} OR ${lt(expiresAt, epochSeconds())}`,
              )
              .commit(),
          ]),
    ])
    .go();
  if (!canceled) return { outcome: "created", message };
  if (data.at(2)?.code === "ConditionalCheckFailed") return { outcome: "replay" };
  if (data.at(1)?.code === "ConditionalCheckFailed") await refuseParent(item.roomId, parentId);
  return { outcome: "retry" };
};

/** Why a reply's parent refused it: there is no such message in the room, or it is itself a reply. */
const refuseParent = async (roomId: string, parentId: string): Promise<never> => {
  const { data } = await MessageEntity.get({ roomId, id: parentId }).go({ consistent: true });
  if (data?.parentId !== undefined) {
    throw new AppError("validation_failed", "Replies are one level deep: this message is itself a reply", [
      { path: "parentId", message: "must be a top-level message, not a reply" },
    ]);
  }
  if (!data) throw new AppError("not_found", "No such message in this room");
  throw new AppError("unavailable", "Storage is busy, please retry");
};
/**
 * Whether a send repeats an accepted one (the same `clientMessageId` of the same user in the same room, within 24
 * hours): one strongly consistent GetItem of its idempotency key (1 RCU). False without a `clientMessageId`.
 */
export const isRepeat = ({ roomId, userId, clientMessageId }: SendInput): Promise<boolean> =>
  storage(async () => {
    if (clientMessageId === undefined) return false;
    const { data } = await IdempotencyEntity.get({ roomId, userId, clientMessageId }).go({
      attributes: ["expiresAt"],
      consistent: true,
    });
    return data !== null && data.expiresAt >= epochSeconds();
  });

const replay = (input: SendInput): Promise<ChatMessage> =>
  storage(async () => {
    const { roomId, userId, clientMessageId = "" } = input;
    const key = await IdempotencyEntity.get({ roomId, userId, clientMessageId }).go({ consistent: true });
    const first =
      key.data && (await MessageEntity.get({ roomId, id: key.data.messageId }).go({ consistent: true }));
    if (!first?.data) throw new AppError("internal", "Internal error", undefined, { cause: key.data });
    return toChatMessage(first.data);
  });
