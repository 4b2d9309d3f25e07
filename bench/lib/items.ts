import { deepStrictEqual } from "node:assert/strict";
import { BanEntity } from "@chat/core/ban";
import { BlocklistEntity } from "@chat/core/blocklist";
import { MemberEntity } from "@chat/core/member";
import { IdempotencyEntity, MessageEntity } from "@chat/core/message";
import { RateLimitEntity } from "@chat/core/rate-limit";
import { RoomEntity } from "@chat/core/room";
import { Limits } from "@chat/types";

// The DynamoDB requests a send makes, written out by hand for the baselines so that they pay nothing for ElectroDB,
// and checked once against what ElectroDB itself builds, so that they are the same writes.

export interface MessageFields {
  roomId: string;
  id: string;
  userId: string;
  username: string;
  text: string;
  createdAt: string;
  clientMessageId?: string;
}

export const messageItem = (message: MessageFields) => ({
  ...message,
  pk: `$chat#roomId_${message.roomId}`,
  sk: `$message_1#id_${message.id}`,
  __edb_e__: "message",
  __edb_v__: "1",
});

/** `MessageEntity.create`: a put that never overwrites. */
export const putMessage = (tableName: string, message: MessageFields) => ({
  Item: messageItem(message),
  TableName: tableName,
  ConditionExpression: "attribute_not_exists(#pk) AND attribute_not_exists(#sk)",
  ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk" },
});

/** `RateLimit.hit` for a send: one atomic counter update per user and minute. */
export const hitSendLimit = (tableName: string, userId: string, nowSeconds: number) => {
  const window = Math.floor(nowSeconds / 60);
  return {
    UpdateExpression:
      "SET #expiresAt = :expiresAt_u0, #scope = :scope_u0, #subject = :subject_u0, #window = :window_u0, " +
      "#__edb_e__ = :__edb_e___u0, #__edb_v__ = :__edb_v___u0 ADD #count :count_u0",
    ExpressionAttributeNames: {
      "#count": "count",
      "#expiresAt": "expiresAt",
      "#scope": "scope",
      "#subject": "subject",
      "#window": "window",
      "#__edb_e__": "__edb_e__",
      "#__edb_v__": "__edb_v__",
    },
    ExpressionAttributeValues: {
      ":count_u0": 1,
      ":expiresAt_u0": (window + 2) * 60,
      ":scope_u0": "send",
      ":subject_u0": userId,
      ":window_u0": window,
      ":__edb_e___u0": "rateLimit",
      ":__edb_v___u0": "1",
    },
    TableName: tableName,
    Key: { pk: `$chat#scope_send#subject_${userId}#window_${window}`, sk: "$rateLimit_1" },
    ReturnValues: "UPDATED_NEW" as const,
  };
};

/**
 * `Room.preparePost`'s access read, sent with the rate limit: one BatchGetItem of the room, the sender's member and
 * ban rows, and the room's blocklist.
 */
export const accessRead = (tableName: string, roomId: string, userId: string) => ({
  RequestItems: {
    [tableName]: {
      Keys: [
        { pk: `$chat#roomId_${roomId}`, sk: "$room_1" },
        { pk: `$chat#roomId_${roomId}`, sk: `$member_1#userId_${userId}` },
        { pk: `$chat#roomId_${roomId}`, sk: `$ban_1#userId_${userId}` },
        { pk: `$chat#roomId_${roomId}`, sk: "$blocklist_1" },
      ],
    },
  },
});

/** The idempotency key of a send with a `clientMessageId`, written in the message's transaction. */
export const putIdempotencyKey = (
  tableName: string,
  key: { roomId: string; userId: string; clientMessageId: string; messageId: string },
  nowSeconds: number,
) => ({
  Item: {
    ...key,
    expiresAt: nowSeconds + Limits.idempotencyTtlSeconds,
    pk: `$chat#roomId_${key.roomId}#userId_${key.userId}#clientMessageId_${key.clientMessageId}`,
    sk: "$idempotency_1",
    __edb_e__: "idempotency",
    __edb_v__: "1",
  },
  TableName: tableName,
  ConditionExpression: "attribute_not_exists(#messageId) OR #expiresAt < :expiresAt0",
  ExpressionAttributeNames: { "#messageId": "messageId", "#expiresAt": "expiresAt" },
  ExpressionAttributeValues: { ":expiresAt0": nowSeconds },
});

/** Throws unless the hand-written requests are exactly what ElectroDB builds (with the stack's table name). */
export const checkSameRequestsAsElectroDb = (tableName: string): void => {
  const message = {
    roomId: "r",
    id: "01KBENCH0000000000000000000",
    userId: "u",
    username: "n",
    text: "t",
    createdAt: "2026-01-01T00:00:00.000Z",
    clientMessageId: "c",
  };
  const now = 1_800_000_000;
  const window = Math.floor(now / 60);
  deepStrictEqual(putMessage(tableName, message), MessageEntity.create(message).params());
  deepStrictEqual(
    hitSendLimit(tableName, "u", now),
    RateLimitEntity.update({ scope: "send", subject: "u", window })
      .add({ count: 1 })
      .set({ expiresAt: (window + 2) * 60 })
      .params({ response: "updated_new" }),
  );
  deepStrictEqual(accessRead(tableName, "r", "u").RequestItems[tableName]?.Keys, [
    RoomEntity.get({ roomId: "r" }).params().Key,
    MemberEntity.get({ roomId: "r", userId: "u" }).params().Key,
    BanEntity.get({ roomId: "r", userId: "u" }).params().Key,
    BlocklistEntity.get({ roomId: "r" }).params().Key,
  ]);
  const key = { roomId: "r", userId: "u", clientMessageId: "c", messageId: message.id };
  deepStrictEqual(
    putIdempotencyKey(tableName, key, now),
    IdempotencyEntity.put({ ...key, expiresAt: now + Limits.idempotencyTtlSeconds })
      .where(
        ({ messageId, expiresAt }, { notExists, lt }) => `${notExists(messageId)} OR ${lt(expiresAt, now)}`,
      )
      .params(),
  );
};
