import { DEFAULT_ROOM_ID, type Role, type Room as RoomShape } from "@chat/types";
import { AppError, conditionally, isConditionalCheckFailure, storage } from "../error";
import { MemberEntity } from "../member/member-entity";
import { after, decodeCursor, type Page, type PageOptions, pageOf } from "../page";
import * as Presence from "../presence";
import {
  type Access,
  accessOf,
  ensureGeneral,
  generalRoom,
  load,
  publicRoom,
  type StoredRoom,
  toRoom,
  writeGeneral,
} from "./access";
import { directRoomId, isDirectRoomId } from "./direct";
import { failedAt, membership, transact } from "./membership-service";
import { type Action, authorize, type Caller } from "./policy";
import { RoomEntity } from "./room-entity";

export { type Access, access, ensureGeneral, type Loaded, load, type StoredRoom } from "./access";
export { directRoomId, isDirectRoomId } from "./direct";
export { type Action, authorize, type Caller, decide, type Membership, type PolicyInput } from "./policy";
export { RoomEntity, type RoomItem } from "./room-entity";

const now = () => new Date().toISOString();
export interface CreateInput {
  roomId: string;
  kind: "public" | "private";
  name?: string | undefined;
}

/**
 * Creates a room with the caller as its owner, in one transaction conditional on the id being free: room row and
 * member row (2 x 2 WCU) and their `gsi1` entries (2 WCU), 6 WCU. 409 `conflict` when the id exists (`general`
 * always does).
 */
export const create = (input: CreateInput, caller: Caller): Promise<RoomShape> =>
  storage(async () => {
    if (input.roomId === DEFAULT_ROOM_ID) throw new AppError("conflict", "This room already exists");
    if (isDirectRoomId(input.roomId)) {
      throw new AppError("validation_failed", "Ids of this form are kept for direct rooms", [
        { path: "roomId", message: "must not be dm- and 40 hex digits (kept for direct rooms)" },
      ]);
    }
    const createdAt = now();
    const room = {
      roomId: input.roomId,
      kind: input.kind,
      name: input.name ?? null,
      createdAt,
      createdBy: caller.userId,
      slowModeSeconds: 0,
    } satisfies RoomShape;
    const refused = await transact(() =>
      membership.transaction
        .write(({ room: roomRow, member }) => [
          roomRow
            .create({
              roomId: room.roomId,
              kind: room.kind,
              ...(input.name !== undefined && { name: input.name }),
              createdAt,
              createdBy: caller.userId,
              owners: 1,
            })
            .commit(),
          member
            .put({
              roomId: room.roomId,
              userId: caller.userId,
              username: caller.username,
              role: "owner",
              joinedAt: createdAt,
            })
            .commit(),
        ])
        .go(),
    );
    if (refused && failedAt(refused, 0)) throw new AppError("conflict", "This room already exists");
    return room;
  });

export interface RoomView {
  room: RoomShape;
  /** The caller's role; `owner` for a stage admin outside direct rooms; null when not a member. */
  role: Role | null;
  /** How many users are connected to the room now. */
  online: number;
}

/**
 * A room for a reader of it: the access read (one BatchGetItem, 1.5 RCU) and, at the same time, the room's `online`
 * count (one GetItem, 0.5 RCU; see `Presence.count`): 2 RCU whatever the room's size, no presence or connection row
 * read. 404 `not_found` when there is no such room.
 */
export const get = (roomId: string, caller: Caller): Promise<RoomView> =>
  storage(async () => {
    const [access, online] = await Promise.all([accessFor(roomId, caller), Presence.count(roomId)]);
    if (!access.room) throw new AppError("not_found", "No such room");
    authorize("read", { ...access, caller });
    const role = caller.admin && access.room.kind !== "direct" ? "owner" : (access.membership?.role ?? null);
    return { room: publicRoom(access.room), role, online };
  });

export interface UpdateInput {
  name?: string | undefined;
  slowModeSeconds?: number | undefined;
}

/**
 * Changes a room's name or slow mode (owner or moderator; stage admins): the access read (1.5 RCU) and one patch of
 * the room row, which also rewrites its `gsi1` entry (2 WCU). Returns the room as it now is. 404 `not_found` when
 * there is no such room; 403 `forbidden` for anyone else, and in direct rooms, which nobody manages.
 */
export const update = (roomId: string, changes: UpdateInput, caller: Caller): Promise<RoomShape> =>
  storage(async () => {
    authorize("configure", { ...(await accessFor(roomId, caller)), caller });
    // Only stage admins manage `general`, rarely: its row is written unless it exists, whatever this process knows.
    if (roomId === DEFAULT_ROOM_ID) await writeGeneral();
    const { data } = await RoomEntity.patch({ roomId })
      .set({
        ...(changes.name !== undefined && { name: changes.name }),
        ...(changes.slowModeSeconds !== undefined && { slowModeSeconds: changes.slowModeSeconds }),
      })
      .go({ response: "all_new" })
      .catch((error: unknown) => {
        // The room was gone before the patch reached it.
        throw isConditionalCheckFailure(error) ? new AppError("not_found", "No such room") : error;
      });
    return publicRoom(toRoom(data));
  });

/**
 * Throws the policy's error unless the caller may do `action` in the room (`read` on a subscribe or a connect,
 * `post` for typing): the one access read, 1.5 RCU.
 */
export const check = (action: Action, roomId: string, caller: Caller): Promise<void> =>
  storage(async () => authorize(action, { ...(await accessFor(roomId, caller)), caller }));

/** The caller's access to a room (`general` is there before its row is written: `load` sees to it). */
const accessFor = async (roomId: string, caller: Caller): Promise<Access> =>
  accessOf(await load(roomId, [caller.userId]), caller);

/**
 * A page of the public rooms, by id: one Query of `gsi1` (the index holds what a room shows): 0.5 RCU per 4 KB,
 * about 30 rooms. `general` is listed even before its row is written.
 */
export const listPublic = ({ limit, cursor }: PageOptions): Promise<Page<RoomShape>> =>
  storage(async () => {
    const position = cursor === undefined ? undefined : decodeCursor(cursor, 1)[0];
    const query = RoomEntity.query.byKind({ kind: "public" });
    const [from, to] = after(position);
    const { data } = await (position === undefined
      ? query
      : query.between({ roomId: from }, { roomId: to })
    ).go({
      limit: limit + 1,
      attributes: ["roomId", "kind", "name", "createdAt", "createdBy", "slowModeSeconds"],
      // The index leaves out ElectroDB's entity markers; its key prefix admits only room rows.
      ignoreOwnership: true,
    });
    const rooms = data.map((item) => publicRoom(toRoom({ ...item, owners: 0 })));
    const last = rooms.length > limit ? rooms[limit - 1]?.roomId : undefined;
    const generalDue =
      (position === undefined || position < DEFAULT_ROOM_ID) &&
      (last === undefined || DEFAULT_ROOM_ID < last) &&
      !rooms.some((room) => room.roomId === DEFAULT_ROOM_ID);
    if (generalDue) {
      rooms.push(publicRoom(generalRoom()));
      rooms.sort((a, b) => (a.roomId < b.roomId ? -1 : 1));
    }
    return pageOf(rooms.slice(0, limit + 1), limit, (room) => [room.roomId]);
  });

export interface DirectResult {
  room: RoomShape;
  /** false when the room existed already. */
  created: boolean;
}

/**
 * The one direct room of the caller and another user, created the first time with both as `member` and no owner
 * (one BatchGetItem, 1.5 RCU; then room row and both member rows in one transaction, 3 x 2 WCU, and the members'
 * `gsi1` entries, 2 WCU: 8 WCU); after that the BatchGetItem alone. The other user's display name is their user id
 * until they open the room themselves (1 WCU, once). With oneself, 400 `validation_failed`.
 */
export const ensureDirect = (caller: Caller, otherUserId: string): Promise<DirectResult> =>
  storage(async () => {
    if (otherUserId === caller.userId) {
      throw new AppError("validation_failed", "A direct room is between two different users", [
        { path: "userId", message: "must be another user" },
      ]);
    }
    const roomId = directRoomId(caller.userId, otherUserId);
    const existing = await existingDirect(roomId, caller);
    if (existing) return { room: existing, created: false };
    const createdAt = now();
    const memberRow = (userId: string, username: string) => ({
      roomId,
      userId,
      username,
      role: "member" as const,
      joinedAt: createdAt,
    });
    const refused = await transact(() =>
      membership.transaction
        .write(({ room, member }) => [
          room.create({ roomId, kind: "direct", createdAt, createdBy: caller.userId, owners: 0 }).commit(),
          member.put(memberRow(caller.userId, caller.username)).commit(),
          member.put(memberRow(otherUserId, otherUserId)).commit(),
        ])
        .go(),
    );
    if (refused && failedAt(refused, 0)) {
      const raced = await existingDirect(roomId, caller);
      if (raced) return { room: raced, created: false };
    }
    return {
      room: { roomId, kind: "direct", name: null, createdAt, createdBy: caller.userId, slowModeSeconds: 0 },
      created: true,
    };
  });

const existingDirect = async (roomId: string, caller: Caller): Promise<RoomShape | null> => {
  const loaded = await load(roomId, [caller.userId]);
  if (!loaded.room) return null;
  if (loaded.room.kind !== "direct") throw new AppError("conflict", "This room is not a direct room");
  const member = loaded.members.get(caller.userId);
  // The caller's name was unknown when the other user opened the room: set it now (1 WCU, once).
  if (member && member.username !== caller.username) {
    await MemberEntity.patch({ roomId, userId: caller.userId })
      .set({ username: caller.username })
      .go({ response: "none" });
  }
  return publicRoom(loaded.room);
};

/**
 * Decides whether the caller may post to a room, and makes the writes posting implies, only when needed: a post
 * to a room that does not exist creates it public with the poster as owner (room + member rows in one transaction
 * and their `gsi1` entries: 6 WCU); a first post to a public room makes the poster a member (row and `gsi1` entry:
 * 2 WCU); `general`'s row is written on first use (2 WCU, once per process).
 * A member posting to their room costs the access read alone (one BatchGetItem of the room, member, ban and
 * blocklist rows: 2 RCU) and no write.
 * Throws `forbidden` when banned, muted, not a member of a private room or not one of a direct room's two users.
 * `alongside` (the sender's rate limit) runs at the same time as the access read, saving a round trip; nothing is
 * decided or written unless it resolves. The room's blocklist comes back with the access, read in the same request.
 */
export const preparePost = (
  roomId: string,
  caller: Caller,
  { alongside }: { alongside?: Promise<unknown> } = {},
): Promise<PostAccess> =>
  storage(async () => {
    const [loaded] = await Promise.all([load(roomId, [caller.userId], { blocklist: true }), alongside]);
    return { ...(await prepare(roomId, caller, 1, accessOf(loaded, caller))), blocklist: loaded.blocklist };
  });

/** What a send needs to know: the caller's access, and the room's blocklist read in the same request. */
export interface PostAccess extends Access {
  /** The room's blocklist (folded words), [] when it has none. */
  blocklist: string[];
}

const prepare = async (roomId: string, caller: Caller, attempt: number, read?: Access): Promise<Access> => {
  const access = read ?? (await accessFor(roomId, caller));
  authorize("post", { ...access, caller });
  if (access.membership) return access;
  const joinedAt = now();
  const member = {
    roomId,
    userId: caller.userId,
    username: caller.username,
    joinedAt,
  };
  if (!access.room) {
    // A direct room is only ever made by `ensureDirect`: posting must not create one as public first.
    if (isDirectRoomId(roomId)) throw new AppError("forbidden", "Only its two users may use a direct room");
    const refused = await transact(() =>
      membership.transaction
        .write(({ room, member: memberRow }) => [
          room
            .create({ roomId, kind: "public", createdAt: joinedAt, createdBy: caller.userId, owners: 1 })
            .commit(),
          memberRow.put({ ...member, role: "owner" }).commit(),
        ])
        .go(),
    );
    // Someone else created it meanwhile: decide again against the room as it now is.
    if (refused && attempt < 3) return prepare(roomId, caller, attempt + 1);
    if (refused) throw new AppError("unavailable", "Storage is busy, please retry");
    const room: StoredRoom = {
      roomId,
      kind: "public",
      name: null,
      createdAt: joinedAt,
      createdBy: caller.userId,
      slowModeSeconds: 0,
      owners: 1,
    };
    return { ...access, room, membership: { ...member, role: "owner", mutedUntil: null } };
  }
  if (access.room.kind !== "public") return access;
  if (roomId === DEFAULT_ROOM_ID) await ensureGeneral();
  // A stage admin posting is not made a member: they act as owner anyway.
  if (caller.admin) return access;
  // A refused condition means another post made them a member meanwhile.
  await conditionally(MemberEntity.create({ ...member, role: "member" }).go({ response: "none" }));
  return { ...access, membership: { ...member, role: "member", mutedUntil: null } };
};
