import { Member, Room } from "@chat/core";
import { client, tableName } from "@chat/core/dynamo";
import { MemberEntity } from "@chat/core/member";
import { MessageEntity } from "@chat/core/message";
import { PresenceEntity } from "@chat/core/presence";
import { RoomEntity } from "@chat/core/room";
import { monotonicFactory } from "ulid";
import { meterCapacity } from "../lib/capacity";
import { createTable } from "../lib/table";

// The rooms reads (members page, a user's rooms, the access read), with the capacity DynamoDB Local reports for
// each call, on a table of their own.

await createTable(tableName());
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
