import type { QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { Limits, type ReadReceipt } from "@chat/types";
import { documentClient, documentLibrary } from "../dynamo";
import { AppError, conditionally, storage } from "../error";
import { MessageEntity } from "../message/message-entity";
import { access } from "../room/access";
import { authorize, type Caller } from "../room/policy";
import { RoomReadEntity, UserReadEntity } from "./read-entity";

export { RoomReadEntity, type RoomReadItem, UserReadEntity, type UserReadItem } from "./read-entity";

// Messages examined per page of an unread count, and pages at most: a count stops at 100 others' messages, and
// reads at most 500 rows (about 19 RCU) even when the caller wrote most of what follows their cursor.
const COUNT_PAGE = Limits.unreadMaxCount;
const COUNT_MAX_PAGES = 5;

/**
 * Messages after `lastReadId` (all of them when null) that are not `userId`'s own and not deleted, counted up to
 * 100. One Query with `Select: COUNT` over the room's message rows after the cursor (bounded to message rows, so
 * the room's other rows never count): 0.5 RCU per 4 KB examined (100 messages of ~300 bytes: about 4 RCU), and
 * usually far less, since a cursor is most often at or near the newest message.
 */
export const countUnread = (roomId: string, userId: string, lastReadId: string | null): Promise<number> =>
  storage(async () => {
    const keyed = MessageEntity.query
      .byRoom({ roomId })
      // "0" sorts before every ULID and "~" after: the range is exactly the room's message rows after the cursor.
      .between({ id: lastReadId ?? "0" }, { id: "~" })
      .params() as QueryCommandInput;
    const params: QueryCommandInput = {
      ...keyed,
      Select: "COUNT",
      Limit: COUNT_PAGE,
      // Deleted messages are tombstones with `deletedAt` (kept in history): they are not unread.
      FilterExpression:
        "#countUser <> :countUser AND #countId <> :countAfter AND attribute_not_exists(#countDeleted)",
      ExpressionAttributeNames: {
        ...keyed.ExpressionAttributeNames,
        "#countUser": "userId",
        "#countId": "id",
        "#countDeleted": "deletedAt",
      },
      ExpressionAttributeValues: {
        ...keyed.ExpressionAttributeValues,
        ":countUser": userId,
        ":countAfter": lastReadId ?? "",
      },
    };
    let count = 0;
    let start: QueryCommandInput["ExclusiveStartKey"];
    for (let page = 0; page < COUNT_MAX_PAGES && count < Limits.unreadMaxCount; page++) {
      const result = await documentClient.send(
        new (documentLibrary().QueryCommand)({ ...params, ExclusiveStartKey: start }),
      );
      count += result.Count ?? 0;
      start = result.LastEvaluatedKey;
      if (!start) break;
    }
    return Math.min(count, Limits.unreadMaxCount);
  });

/** A user's read cursors by room id: one Query of their cursor rows (0.5 RCU per 4 KB, about 25 rooms). */
export const cursorsOf = (userId: string): Promise<Map<string, string>> =>
  storage(async () => {
    const { data } = await UserReadEntity.query
      .byUser({ userId })
      .go({ pages: "all", attributes: ["roomId", "lastReadId"] });
    return new Map(data.map((row) => [row.roomId, row.lastReadId]));
  });

/** The read state of a room for its list entry: the cursor and the unread count, counting only when needed. */
export const readStateOf = async (
  roomId: string,
  userId: string,
  lastReadId: string | null,
  newestId: string | null,
): Promise<{ lastReadId: string | null; unreadCount: number }> => {
  // Nothing after the cursor (or nothing at all): no count to make, which is the common case of a list of rooms.
  const caughtUp = newestId === null || (lastReadId !== null && newestId <= lastReadId);
  return { lastReadId, unreadCount: caughtUp ? 0 : await countUnread(roomId, userId, lastReadId) };
};

export interface MarkResult {
  roomId: string;
  lastReadId: string;
  unreadCount: number;
  /** Whether the cursor moved (false when the id was not newer than the cursor): only a move is announced. */
  moved: boolean;
}

/**
 * Moves the caller's read cursor in a room forward to `messageId`, for the room's readers. 404 `not_found` when
 * the room has no such message. An id not newer than the cursor changes nothing and answers the current state.
 * Costs the access read (1.5 RCU) and the message's GetItem (0.5 RCU), two conditional writes (the room's receipt
 * row and the user's cursor row, 1 WCU each; a refused one costs the same), the cursor's GetItem when it did not
 * move (0.5 RCU), and the unread count after the cursor (usually a few rows: 0.5 RCU).
 */
export const mark = (roomId: string, caller: Caller, messageId: string): Promise<MarkResult> =>
  storage(async () => {
    const [roomAccess, message] = await Promise.all([
      access(roomId, caller),
      MessageEntity.get({ roomId, id: messageId }).go({ attributes: ["id"] }),
    ]);
    authorize("read", { ...roomAccess, caller });
    if (!message.data) throw new AppError("not_found", "No such message in this room");
    const row = { roomId, userId: caller.userId, lastReadId: messageId, readAt: new Date().toISOString() };
    const [movedRoom, movedUser] = await Promise.all([
      conditionally(
        RoomReadEntity.upsert(row)
          .where(
            ({ lastReadId }, { notExists, lt }) => `${notExists(lastReadId)} OR ${lt(lastReadId, messageId)}`,
          )
          .go({ response: "none" }),
      ),
      conditionally(
        UserReadEntity.upsert(row)
          .where(
            ({ lastReadId }, { notExists, lt }) => `${notExists(lastReadId)} OR ${lt(lastReadId, messageId)}`,
          )
          .go({ response: "none" }),
      ),
    ]);
    const current = movedUser
      ? messageId
      : ((await UserReadEntity.get({ userId: caller.userId, roomId }).go({ consistent: true })).data
          ?.lastReadId ?? messageId);
    const unreadCount = await countUnread(roomId, caller.userId, current);
    return { roomId, lastReadId: current, unreadCount, moved: movedRoom || movedUser };
  });

/**
 * The read receipts of a room, by user id, for its readers: the access read (1.5 RCU) and one Query of the
 * receipt rows (about 25 per 4 KB: up to 2 RCU). Kept for rooms of up to 100 readers: with more, 403 `forbidden`
 * (receipts of big rooms would be large and seldom useful; the caller's own state is in `GET /me/rooms`).
 */
export const receipts = (roomId: string, caller: Caller): Promise<ReadReceipt[]> =>
  storage(async () => {
    const roomAccess = await access(roomId, caller);
    authorize("read", { ...roomAccess, caller });
    const { data } = await RoomReadEntity.query
      .byRoom({ roomId })
      .go({ limit: Limits.readReceiptsMaxReaders + 1, attributes: ["userId", "lastReadId", "readAt"] });
    if (data.length > Limits.readReceiptsMaxReaders) {
      throw new AppError(
        "forbidden",
        `Read receipts are kept for rooms of up to ${Limits.readReceiptsMaxReaders} readers`,
      );
    }
    return data.map(({ userId, lastReadId, readAt }) => ({ userId, lastReadId, readAt }));
  });
