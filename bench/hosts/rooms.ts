import { Member, Room } from "@chat/core";
import { client, tableName } from "@chat/core/dynamo";
import { MemberEntity } from "@chat/core/member";
import { MessageEntity } from "@chat/core/message";
import { PresenceEntity } from "@chat/core/presence";
import { UserReadEntity } from "@chat/core/read";
import { RoomEntity } from "@chat/core/room";
import { monotonicFactory } from "ulid";
import { meterCapacity } from "../lib/capacity";
import { createTable } from "../lib/table";

// The rooms reads (members page, a user's rooms, the access read), with the capacity DynamoDB Local reports for
// each call, on a table of their own.

// No stream: this host calls its handlers directly (a stream makes every request of DynamoDB Local slower, see createTable).
await createTable(tableName(), { stream: false });
const meter = meterCapacity(client);
const nextId = monotonicFactory();
const now = () => new Date().toISOString();

const written = (result: { unprocessed: unknown[] }) => {
  if (result.unprocessed.length > 0) throw new Error(`${result.unprocessed.length} rows not written`);
};

/** A public room of `members` members (an owner first), `present` of them connected now. */
export const seedRoom = async ({
  roomId,
  members,
  present,
}: {
  roomId: string;
  members: number;
  present: number;
}) => {
  await RoomEntity.put({ roomId, kind: "public", createdAt: now(), createdBy: "user-0000", owners: 1 }).go();
  const users = Array.from({ length: members }, (_, i) => `user-${String(i).padStart(4, "0")}`);
  written(
    await MemberEntity.put(
      users.map((userId, i) => ({
        roomId,
        userId,
        username: `User ${i}`,
        role: i === 0 ? ("owner" as const) : ("member" as const),
        joinedAt: now(),
      })),
    ).go(),
  );
  const expiresAt = Math.floor(Date.now() / 1000) + 3 * 3_600;
  if (present > 0) {
    written(
      await PresenceEntity.put(
        users.slice(0, present).map((userId, i) => ({
          roomId,
          userId,
          username: `User ${i}`,
          connectedAt: now(),
          connections: 1,
          expiresAt,
        })),
      ).go(),
    );
  }
  meter.take();
};

/** A user who is a member of `rooms` rooms, each with a few messages. */
export const seedInbox = async ({ userId, rooms }: { userId: string; rooms: number }) => {
  const roomIds = Array.from({ length: rooms }, (_, i) => `inbox-${userId}-${i}`.toLowerCase());
  written(
    await RoomEntity.put(
      roomIds.map((roomId) => ({
        roomId,
        kind: "private" as const,
        createdAt: now(),
        createdBy: userId,
        owners: 1,
      })),
    ).go(),
  );
  written(
    await MemberEntity.put(
      roomIds.map((roomId) => ({
        roomId,
        userId,
        username: "Reader",
        role: "owner" as const,
        joinedAt: now(),
      })),
    ).go(),
  );
  written(
    await MessageEntity.put(
      roomIds.flatMap((roomId) =>
        Array.from({ length: 3 }, (_, i) => ({
          roomId,
          id: nextId(),
          userId,
          username: "Reader",
          text: `message ${i} in ${roomId}: a line of ordinary length for a chat message`,
          createdAt: now(),
        })),
      ),
    ).go(),
  );
  meter.take();
};

const caller = (userId: string) => ({ userId, username: userId, admin: false });

/** `GET /rooms/{roomId}/members?limit=50`, first page, as the handler reads it. */
export const membersPage = async ({ roomId, userId }: { roomId: string; userId: string }) => {
  meter.take();
  const page = await Member.list(roomId, caller(userId), { limit: 50 });
  return { found: page.items.length, online: page.items.filter((m) => m.online).length, uses: meter.take() };
};

/** `GET /me/rooms?limit=50`, first page. */
export const myRooms = async ({ userId }: { userId: string }) => {
  meter.take();
  const page = await Member.rooms(caller(userId), { limit: 50 });
  return { found: page.items.length, uses: meter.take() };
};

/** `Room.access`: what every send, subscribe and REST route reads first. */
export const access = async ({ roomId, userId }: { roomId: string; userId: string }) => {
  meter.take();
  const result = await Room.access(roomId, caller(userId));
  return { member: result.membership !== null, uses: meter.take() };
};

/**
 * Read state for a user seeded by `seedInbox`: `unreadRooms` of their rooms get `unread` messages from another user;
 * with `cursors`, every room's read cursor is at the newest message the user had seen (their own last one), so
 * only the rooms with others' new messages have anything to count; without, no room has ever been read.
 */
export const seedReadState = async ({
  userId,
  rooms,
  unreadRooms,
  unread,
  cursors,
}: {
  userId: string;
  rooms: number;
  unreadRooms: number;
  unread: number;
  cursors: boolean;
}) => {
  const roomIds = Array.from({ length: rooms }, (_, i) => `inbox-${userId}-${i}`.toLowerCase());
  if (cursors) {
    const newest = await Promise.all(
      roomIds.map(async (roomId) => {
        const { data } = await MessageEntity.query.byRoom({ roomId }).go({ order: "desc", limit: 1 });
        return { roomId, lastReadId: data[0]?.id ?? "" };
      }),
    );
    written(await UserReadEntity.put(newest.map((row) => ({ ...row, userId, readAt: now() }))).go());
  }
  written(
    await MessageEntity.put(
      roomIds.slice(0, unreadRooms).flatMap((roomId) =>
        Array.from({ length: unread }, (_, i) => ({
          roomId,
          id: nextId(),
          userId: "someone-else",
          username: "Someone",
          text: `news ${i} in ${roomId}: a line of ordinary length for a chat message`,
          createdAt: now(),
        })),
      ),
    ).go(),
  );
  meter.take();
};

/** `GET /me/rooms?limit=50` `calls` times in a row: each call's duration (ms) and the last call's capacity. */
export const myRoomsTimed = async ({ userId, calls }: { userId: string; calls: number }) => {
  const durations: number[] = [];
  let found = 0;
  let unreadTotal = 0;
  for (let i = 0; i < calls; i++) {
    meter.take();
    const started = performance.now();
    const page = await Member.rooms(caller(userId), { limit: 50 });
    durations.push(performance.now() - started);
    found = page.items.length;
    unreadTotal = page.items.reduce((sum, item) => sum + item.unreadCount, 0);
  }
  return { found, unreadTotal, durations, uses: meter.take() };
};
