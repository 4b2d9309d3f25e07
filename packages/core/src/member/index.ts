import {
  type ChatMessage,
  DEFAULT_ROOM_ID,
  type Member as MemberShape,
  type Role,
  type Room as RoomShape,
} from "@chat/types";
import { AppError, isConditionalCheckFailure, storage } from "../error";
import { MessageEntity, toChatMessage } from "../message/message-entity";
import { after, decodeCursor, encodeCursor, type Page, type PageOptions, pageOf } from "../page";
import * as Presence from "../presence";
import * as Read from "../read";
import { accessOf, banInForce, ensureGeneral, load, publicRoom, toRoom } from "../room/access";
import { failedAt, membership, transact } from "../room/membership-service";
import { authorize, type Caller } from "../room/policy";
import { RoomEntity } from "../room/room-entity";
import { MemberEntity, type MemberItem, toMember } from "./member-entity";

export { MemberEntity, type MemberItem, toMember } from "./member-entity";

/** Loads the room, the caller and the target (one BatchGetItem of five rows: 2.5 RCU). */
const loadPair = async (roomId: string, caller: Caller, userId: string) => {
  const loaded = await load(roomId, [caller.userId, userId]);
  const access = accessOf(loaded, caller);
  const targetRow = loaded.members.get(userId) ?? null;
  const target = {
    userId,
    membership: targetRow && { userId, role: targetRow.role as Role },
    banned: banInForce(loaded.bans.get(userId), Date.now()),
  };
  return { access, room: loaded.room, targetRow, target };
};

const isOnline = async (roomId: string, userId: string) => {
  const { data } = await Presence.PresenceEntity.get({ roomId, userId }).go({ attributes: ["connections"] });
  return (data?.connections ?? 0) > 0;
};

const ownersDeltaOf = (next: Role | undefined, current: Role | undefined) =>
  ((next ?? "member") === "owner" ? 1 : 0) - (current === "owner" ? 1 : 0);

export interface PutResult {
  member: MemberShape;
  /** true when added, false when an existing member was changed (or left as they were). */
  created: boolean;
}

/**
 * Adds a member (`role` defaults to `member`) or changes a member's role, as the policy allows: oneself into a
 * public room (join), moderators and owners anyone as `member`, owners any role. Owner counts move with the role in
 * one transaction, so the last owner cannot step down (409 `conflict`). A user added by someone else shows their
 * user id as name. Costs: the read (one BatchGetItem of five rows, 2.5 RCU), one presence GetItem (0.5 RCU), then
 * adding: the row and its `gsi1` entry, 2 WCU (a transaction, 2 x 2 + 1 = 5 WCU, when adding an owner); changing a
 * role: a transaction of the row (2 WCU) and its `gsi1` entry (1 WCU; `role` is projected), plus the room's owner
 * count (2 WCU) when an owner comes or goes: 3 or 5 WCU.
 */
export const put = (
  roomId: string,
  caller: Caller,
  userId: string,
  { role }: { role?: Role | undefined } = {},
): Promise<PutResult> =>
  storage(async () => {
    const { access, room, targetRow, target } = await loadPair(roomId, caller, userId);
    const policy = { ...access, caller, target, role };
    const current = targetRow?.role as Role | undefined;
    const changesRole = role !== undefined && role !== (current ?? "member");
    authorize(changesRole ? "setRole" : "add", policy);
    if (!room) throw new AppError("not_found", "No such room");
    if (roomId === DEFAULT_ROOM_ID && ownersDeltaOf(role, targetRow?.role) !== 0) await ensureGeneral();
    const online = await isOnline(roomId, userId);
    if (targetRow && !changesRole) return { member: toMember(targetRow, online), created: false };
    const next = role ?? "member";
    const ownersDelta = ownersDeltaOf(next, current);
    const joinedAt = targetRow?.joinedAt ?? new Date().toISOString();
    const row: MemberItem = targetRow
      ? { ...targetRow, role: next }
      : {
          roomId,
          userId,
          username: userId === caller.userId ? caller.username : userId,
          role: next,
          joinedAt,
        };
    const refused = await transact(() =>
      membership.transaction
        .write(({ member, room: roomRow }) => [
          targetRow
            ? member
                .patch({ roomId, userId })
                .set({ role: next })
                .where((r, { eq }) => eq(r.role, targetRow.role))
                .commit()
            : member.create(row).commit(),
          ...(ownersDelta === 0
            ? []
            : [
                roomRow
                  .patch({ roomId })
                  .add({ owners: ownersDelta })
                  .where((r, { gt }) => (ownersDelta < 0 ? gt(r.owners, 1) : gt(r.owners, -1)))
                  .commit(),
              ]),
        ])
        .go(),
    );
    if (refused && failedAt(refused, 1)) {
      throw new AppError("conflict", "The last owner of a room cannot give up the role");
    }
    if (refused) throw new AppError("conflict", "The membership changed meanwhile, please retry");
    return { member: toMember(row, online), created: !targetRow };
  });

/** Why a user stopped being a member: the reason their connections are told. */
export type RemovalReason = "left" | "removed" | "banned";

/**
 * Removes a member: oneself (leave), moderators a `member`, owners anyone; not in direct rooms. The last owner
 * cannot leave (409 `conflict`: the owner count is changed in the same transaction). 404 `not_found` when not a
 * member. Costs the read (2.5 RCU), then a transaction deleting the row (2 WCU) and its `gsi1` entry (1 WCU), with
 * the room's owner count for an owner (2 WCU): 3 or 5 WCU. Returns why, for the `unsubscribed` frames (the caller
 * revokes the user's subscriptions with `Connection.revoke`), and the member as they were, for the room's notice.
 */
export const remove = (
  roomId: string,
  caller: Caller,
  userId: string,
): Promise<{ reason: RemovalReason; member: MemberShape }> =>
  storage(async () => {
    const { access, targetRow, target } = await loadPair(roomId, caller, userId);
    authorize("remove", { ...access, caller, target });
    const wasOwner = targetRow?.role === "owner";
    const refused = await transact(() =>
      membership.transaction
        .write(({ member, room }) => [
          member
            .delete({ roomId, userId })
            .where((r, { exists }) => exists(r.role))
            .commit(),
          ...(wasOwner
            ? [
                room
                  .patch({ roomId })
                  .add({ owners: -1 })
                  .where((r, { gt }) => gt(r.owners, 1))
                  .commit(),
              ]
            : []),
        ])
        .go(),
    );
    if (refused && failedAt(refused, 1))
      throw new AppError("conflict", "The last owner of a room cannot leave it");
    if (refused || !targetRow) throw new AppError("not_found", "Not a member of this room");
    return { reason: userId === caller.userId ? "left" : "removed", member: toMember(targetRow, false) };
  });

/**
 * A page of a room's members, by user id, for its readers: the access read (1.5 RCU), one Query of the member
 * rows (0.5 RCU per 4 KB, about 25 members) and one Query of the room's presence rows within the page's span of
 * user ids for `online` (0.5 RCU per 4 KB, about 40 rows) — never a read per member, and flat however many are
 * online (`bench/scenarios/rooms-cost.ts`). 404 `not_found` for an unknown room.
 */
export const list = (
  roomId: string,
  caller: Caller,
  { limit, cursor }: PageOptions,
): Promise<Page<MemberShape>> =>
  storage(async () => {
    const position = cursor === undefined ? undefined : decodeCursor(cursor, 1)[0];
    const access = accessOf(await load(roomId, [caller.userId]), caller);
    if (!access.room && roomId !== "general") throw new AppError("not_found", "No such room");
    authorize("read", { ...access, caller });
    const query = MemberEntity.query.byRoom({ roomId });
    const [from, to] = after(position);
    const { data } = await (position === undefined
      ? query
      : query.between({ userId: from }, { userId: to })
    ).go({
      limit: limit + 1,
    });
    const shown = data.slice(0, limit);
    const [first, last] = [shown[0]?.userId, shown.at(-1)?.userId];
    const online = first && last ? await Presence.onlineBetween(roomId, first, last) : new Set<string>();
    const now = Date.now();
    const members = data.map((row) => toMember(row, online.has(row.userId), now));
    return pageOf(members, limit, (member) => [member.userId]);
  });

const FOREVER = "9999-12-31T23:59:59.999Z";

/** An `until` must lie ahead; absent means until lifted (shown as 9999-12-31T23:59:59.999Z for a mute). */
export const assertFuture = (until: string | undefined, path: string): void => {
  if (until !== undefined && Date.parse(until) <= Date.now()) {
    throw new AppError("validation_failed", `${path} must be in the future`, [
      { path, message: "must be in the future" },
    ]);
  }
};

/**
 * Mutes a member until `until` (absent: until unmuted): moderators and owners; not owners, and moderators not
 * each other. 404 `not_found` for a non-member. The read (2.5 RCU) and 1 WCU (`mutedUntil` is not in `gsi1`).
 */
export const mute = (roomId: string, caller: Caller, userId: string, until?: string): Promise<MemberShape> =>
  storage(async () => {
    assertFuture(until, "until");
    const { access, target } = await loadPair(roomId, caller, userId);
    authorize("mute", { ...access, caller, target });
    const { data } = await MemberEntity.patch({ roomId, userId })
      .set({ mutedUntil: until ?? FOREVER })
      .go({ response: "all_new" })
      .catch((error: unknown) => {
        if (!isConditionalCheckFailure(error)) throw error;
        throw new AppError("not_found", "Not a member of this room", undefined, { cause: error });
      });
    return toMember(data, await isOnline(roomId, userId));
  });

/** Lifts a mute: moderators and owners; 404 `not_found` for a non-member. The read (2.5 RCU) and 1 WCU. */
export const unmute = (roomId: string, caller: Caller, userId: string): Promise<MemberShape> =>
  storage(async () => {
    const { access, target } = await loadPair(roomId, caller, userId);
    authorize("unmute", { ...access, caller, target });
    const { data } = await MemberEntity.patch({ roomId, userId })
      .remove(["mutedUntil"])
      .go({ response: "all_new" })
      .catch((error: unknown) => {
        if (!isConditionalCheckFailure(error)) throw error;
        throw new AppError("not_found", "Not a member of this room", undefined, { cause: error });
      });
    return toMember(data, await isOnline(roomId, userId));
  });

export interface MyRoom {
  room: RoomShape;
  role: Role;
  lastMessage: ChatMessage | null;
  /** The caller's read cursor in the room; null before their first read. */
  lastReadId: string | null;
  /** Others' messages after the cursor, not deleted, up to 100. */
  unreadCount: number;
}

// Rooms without messages sort after every room with one: "" sorts first, and the order is descending.
const activityOf = (entry: { lastMessage: ChatMessage | null }) => entry.lastMessage?.id ?? "";
// Byte order, as DynamoDB sorts ids (`localeCompare` would skip punctuation in some locales).
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A page of the rooms the caller is a member of, latest activity first (the newest message's id; rooms without
 * messages last, by id). Latest activity changes with every message, so no index keeps that order: every page
 * reads all the caller's memberships (one Query of `gsi1`, 0.5 RCU per 4 KB, about 50 memberships) and the newest
 * message of each room (one Query of limit 1 per room, 0.5 RCU each), then the page's room rows (one
 * BatchGetItem, 0.5 RCU each). A user in 50 rooms: about 0.5 + 25 + 25 = 50.5 RCU and 52 requests per page of 50.
 * Read state: the caller's read cursors (one Query, about 25 rooms per 0.5 RCU) and, only for a room whose newest
 * message is after the cursor, a bounded count of the unread (`Read.countUnread`, a few rows usually, 4 RCU at
 * most for 100): a user who has read their 50 rooms pays 0.5 RCU more; never 50 x 100 messages.
 */
export const rooms = (caller: Caller, { limit, cursor }: PageOptions): Promise<Page<MyRoom>> =>
  storage(async () => {
    const position = cursor === undefined ? undefined : decodeCursor(cursor, 2);
    const { data: memberships } = await MemberEntity.query.byUser({ userId: caller.userId }).go({
      pages: "all",
      attributes: ["roomId", "role"],
      // The index leaves out ElectroDB's entity markers; its key prefix admits only member rows.
      ignoreOwnership: true,
    });
    const withLast = await Promise.all(
      memberships.map(async ({ roomId, role }) => {
        const { data } = await MessageEntity.query.byRoom({ roomId }).go({ order: "desc", limit: 1 });
        const newest = data[0];
        return { roomId, role: role as Role, lastMessage: newest ? toChatMessage(newest) : null };
      }),
    );
    const sorted = withLast.sort(
      (a, b) => compare(activityOf(b), activityOf(a)) || compare(a.roomId, b.roomId),
    );
    const start = position
      ? sorted.findIndex((entry) => {
          const [cursorActivity = "", roomId = ""] = position;
          const activity = cursorActivity === "-" ? "" : cursorActivity;
          const order = compare(activity, activityOf(entry));
          return order > 0 || (order === 0 && compare(entry.roomId, roomId) > 0);
        })
      : 0;
    const slice = start < 0 ? [] : sorted.slice(start, start + limit + 1);
    const page = slice.slice(0, limit);
    const [{ data: roomRows }, cursors] = await Promise.all([
      page.length ? RoomEntity.get(page.map(({ roomId }) => ({ roomId }))).go() : { data: [] },
      page.length ? Read.cursorsOf(caller.userId) : new Map<string, string>(),
    ]);
    const byId = new Map(roomRows.map((row) => [row.roomId, publicRoom(toRoom(row))]));
    const entries = await Promise.all(
      page.flatMap(({ roomId, role, lastMessage }) => {
        const room = byId.get(roomId);
        if (!room) return [];
        const lastReadId = cursors.get(roomId) ?? null;
        return [
          Read.readStateOf(roomId, caller.userId, lastReadId, lastMessage?.id ?? null).then((state) => ({
            room,
            role,
            lastMessage,
            ...state,
          })),
        ];
      }),
    );
    const last = page.at(-1);
    return {
      items: entries,
      nextCursor: slice.length > limit && last ? encodeCursor([activityOf(last) || "-", last.roomId]) : null,
    };
  });
