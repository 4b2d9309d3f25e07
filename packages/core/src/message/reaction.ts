import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import type { TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { Limits, type ReactionUser } from "@chat/types";
import { documentClient, documentLibrary } from "../dynamo";
import { AppError, storage } from "../error";
import { after, decodeCursor, type Page, type PageOptions, pageOf } from "../page";
import { type Cancellation, failedAt, transact } from "../transaction";
import { current } from "./change";
import { MessageEntity, type MessageItem, storedReactions } from "./message-entity";
import { ReactionEntity, ReactorEntity } from "./reaction-entity";

export { ReactionEntity, type ReactionItem, ReactorEntity } from "./reaction-entity";

/** Who reacts with what to which message. */
export interface ReactionInput {
  roomId: string;
  messageId: string;
  emoji: string;
  userId: string;
  username: string;
}

/** What a reaction change records on the message row, for the broadcaster's `reaction` frame. */
export interface LastReaction {
  emoji: string;
  userId: string;
  event: "added" | "removed";
  at: string;
}

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

// Retries after the message row changed between the read and the transaction (another user's first or last use of
// the emoji), or after transactions on the message kept conflicting (on AWS, concurrent transactions on one item
// cancel each other): each retry reads it again, after a growing random pause.
const MAX_ATTEMPTS = 8;

const notFound = () => new AppError("not_found", "No such message in this room");
const deleted = () => new AppError("conflict", "This message is deleted");
const tooMany = (message: string) => new AppError("validation_failed", message, [{ path: "emoji", message }]);

/** The message's current state, refusing a missing (404) or deleted (409) one. */
const standing = async (roomId: string, messageId: string): Promise<MessageItem> => {
  const message = await current(roomId, messageId);
  if (!message) throw notFound();
  if (message.deletedAt !== undefined) throw deleted();
  return message;
};

const write = (items: TransactItem[]) => async (): Promise<{ canceled: boolean; data: Cancellation }> => {
  try {
    await documentClient.send(new (documentLibrary().TransactWriteCommand)({ TransactItems: items }));
    return { canceled: false, data: [] };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    return {
      canceled: true,
      data: (error.CancellationReasons ?? []).map((reason) => (reason.Code ? { code: reason.Code } : {})),
    };
  }
};

const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1_000, 10 * 2 ** attempt)));

/** `transact`, with a run of conflicts (its `unavailable`) turned into one more attempt of the caller's loop. */
const writeOnce = async (items: TransactItem[]): Promise<Cancellation | null | "conflict"> => {
  try {
    return await transact(write(items));
  } catch (error) {
    if (error instanceof AppError && error.code === "unavailable") return "conflict";
    throw error;
  }
};

/**
 * The message row's update for one reaction change: the emoji's count (a new entry on its first use, removed
 * when it reaches 0), and `lastReaction`, conditional on the message not being deleted and on the count being
 * what the update assumes (else the transaction is cancelled, and the change read again and retried).
 */
const messageUpdate = (
  message: MessageItem,
  change: LastReaction,
  entry: { count: number } | undefined,
): TransactItem => {
  const { Key, TableName } = MessageEntity.get({ roomId: message.roomId, id: message.id }).params();
  const names: Record<string, string> = {
    "#reactions": "reactions",
    "#emoji": change.emoji,
    "#count": "count",
    "#last": "lastReaction",
    "#deletedAt": "deletedAt",
  };
  const values: Record<string, unknown> = { ":last": change, ":one": 1 };
  let update: string;
  let condition: string;
  if (change.event === "added" && entry) {
    update = "SET #last = :last ADD #reactions.#emoji.#count :one";
    condition = "attribute_exists(#reactions.#emoji)";
  } else if (change.event === "added" && message.reactions === undefined) {
    update = "SET #reactions = :reactions, #last = :last";
    condition = "attribute_not_exists(#reactions)";
    values[":reactions"] = { [change.emoji]: { count: 1, since: change.at } };
    delete values[":one"];
  } else if (change.event === "added") {
    update = "SET #reactions.#emoji = :entry, #last = :last";
    condition =
      "attribute_exists(#reactions) AND attribute_not_exists(#reactions.#emoji) AND size(#reactions) < :max";
    values[":entry"] = { count: 1, since: change.at };
    values[":max"] = Limits.reactionsPerMessage;
    delete values[":one"];
  } else if ((entry?.count ?? 0) <= 1 && storedReactions(message.reactions).size <= 1) {
    // The last emoji: the whole map goes (an empty map is no use, and DynamoDB Streams readers trip on one).
    update = "SET #last = :last REMOVE #reactions";
    condition = "#reactions.#emoji.#count <= :one AND size(#reactions) = :one";
  } else if ((entry?.count ?? 0) <= 1) {
    update = "SET #last = :last REMOVE #reactions.#emoji";
    condition = "#reactions.#emoji.#count <= :one";
  } else {
    update = "SET #last = :last ADD #reactions.#emoji.#count :minusOne";
    condition = "#reactions.#emoji.#count > :one";
    values[":minusOne"] = -1;
  }
  if (!update.includes("#count") && !condition.includes("#count")) delete names["#count"];
  if (!update.includes("#emoji") && !condition.includes("#emoji")) delete names["#emoji"];
  return {
    Update: {
      TableName,
      Key,
      UpdateExpression: update,
      ConditionExpression: `attribute_not_exists(#deletedAt) AND ${condition}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
};

/** The user's row of emoji on the message: adds or removes one, bounded to 10 per user on add. */
const reactorUpdate = (input: ReactionInput, event: LastReaction["event"]): TransactItem => {
  const { roomId, messageId, userId, emoji } = input;
  const params = (
    event === "added"
      ? ReactorEntity.update({ roomId, messageId, userId }).add({ emojis: [emoji] })
      : ReactorEntity.update({ roomId, messageId, userId }).delete({ emojis: [emoji] })
  ).params() as TransactItem["Update"] & { ConditionExpression?: string };
  if (event === "added") {
    params.ConditionExpression = "attribute_not_exists(#emojis) OR size(#emojis) < :maxPerUser";
    params.ExpressionAttributeValues = {
      ...params.ExpressionAttributeValues,
      ":maxPerUser": Limits.reactionsPerUserPerMessage,
    };
  }
  return { Update: params };
};

/**
 * Adds the user's reaction (idempotent: a second add changes nothing). One message read (strongly consistent,
 * 1 RCU), then one transaction: the reaction row, conditional on not existing (the idempotency), the user's row
 * of emoji, conditional on fewer than 10, and the message's count (an atomic ADD, or the emoji's entry on its
 * first use, conditional on fewer than 20 distinct): 3 items x 2 WCU for items under 1 KB, 6 WCU. 404 no such
 * message, 409 deleted, 400 `validation_failed` past either limit.
 */
export const add = (input: ReactionInput): Promise<void> =>
  storage(async () => {
    const { roomId, messageId, emoji, userId, username } = input;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const message = await standing(roomId, messageId);
      const counts = storedReactions(message.reactions);
      const entry = counts.get(emoji);
      if (!entry && counts.size >= Limits.reactionsPerMessage) {
        throw tooMany(`A message has at most ${Limits.reactionsPerMessage} different reactions`);
      }
      const at = new Date().toISOString();
      const row = ReactionEntity.create({
        roomId,
        messageId,
        emoji,
        userId,
        username,
        reactedAt: at,
      }).params();
      const refused = await writeOnce([
        { Put: row as NonNullable<TransactItem["Put"]> },
        reactorUpdate(input, "added"),
        messageUpdate(message, { emoji, userId, event: "added", at }, entry),
      ]);
      if (!refused || (refused !== "conflict" && failedAt(refused, 0))) return;
      if (refused !== "conflict" && failedAt(refused, 1)) {
        throw tooMany(`One user may put at most ${Limits.reactionsPerUserPerMessage} reactions on a message`);
      }
      await pause(attempt);
    }
    throw new AppError("unavailable", "Storage is busy, please retry");
  });

/**
 * Removes the user's reaction (idempotent: removing one they do not have changes nothing). One message read
 * (1 RCU), then, when the emoji is on the message, one transaction: the reaction row's delete (conditional on it
 * existing), the user's row of emoji, the message's count (an atomic ADD of -1, or the entry removed at 0):
 * 6 WCU. 404 no such message, 409 deleted.
 */
export const remove = (input: ReactionInput): Promise<void> =>
  storage(async () => {
    const { roomId, messageId, emoji, userId } = input;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const message = await standing(roomId, messageId);
      const entry = storedReactions(message.reactions).get(emoji);
      if (!entry) return;
      const row = ReactionEntity.delete({ roomId, messageId, emoji, userId })
        .where(({ userId: reactor }, { exists }) => exists(reactor))
        .params();
      const at = new Date().toISOString();
      const refused = await writeOnce([
        { Delete: row as NonNullable<TransactItem["Delete"]> },
        reactorUpdate(input, "removed"),
        messageUpdate(message, { emoji, userId, event: "removed", at }, entry),
      ]);
      if (!refused || (refused !== "conflict" && failedAt(refused, 0))) return;
      await pause(attempt);
    }
    throw new AppError("unavailable", "Storage is busy, please retry");
  });

/**
 * A page of who reacted to a message with an emoji, by user id: the message read (0.5 RCU) and one Query of its
 * reaction rows (0.5 RCU per 4 KB, about 25 users). A deleted message has no reactions; 404 no such message.
 */
export const users = (
  roomId: string,
  messageId: string,
  emoji: string,
  { limit, cursor }: PageOptions,
): Promise<Page<ReactionUser>> =>
  storage(async () => {
    const position = cursor === undefined ? undefined : decodeCursor(cursor, 1)[0];
    const { data: message } = await MessageEntity.get({ roomId, id: messageId }).go();
    if (!message) throw notFound();
    if (message.deletedAt !== undefined) return { items: [], nextCursor: null };
    const query = ReactionEntity.query.byMessage({ roomId, messageId, emoji });
    const [from, to] = after(position);
    const { data } = await (position === undefined
      ? query
      : query.between({ userId: from }, { userId: to })
    ).go({ limit: limit + 1 });
    const page = pageOf(data, limit, (row) => [row.userId]);
    return {
      items: page.items.map(({ userId, username, reactedAt }) => ({ userId, username, reactedAt })),
      nextCursor: page.nextCursor,
    };
  });
