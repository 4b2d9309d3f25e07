import { DEFAULT_ROOM_ID, type Role, type Room as RoomShape } from "@chat/types";
import { BanEntity, type BanItem } from "../ban/ban-entity";
import { BlocklistEntity } from "../blocklist/blocklist-entity";
import { documentClient, documentLibrary, tableName } from "../dynamo";
import { conditionally, storage } from "../error";
import { MemberEntity, type MemberItem } from "../member/member-entity";
import type { Caller, Membership } from "./policy";
import { RoomEntity, type RoomItem } from "./room-entity";

/** A room as stored, with its owner count. */
export type StoredRoom = RoomShape & { owners: number };

/** What the edges need to know about a caller and a room: one BatchGetItem. */
export interface Access {
  /** The room; null when it does not exist (`general` always does). */
  room: StoredRoom | null;
  /** The caller's membership; null when not a member. */
  membership: (Membership & { username: string; joinedAt: string; mutedUntil: string | null }) | null;
  /** A ban of the caller is in force. */
  banned: boolean;
  /** A mute of the caller is in force. */
  muted: boolean;
}

/** `general` before its row is written: public, nobody's. */
export const generalRoom = (): StoredRoom => ({
  roomId: DEFAULT_ROOM_ID,
  kind: "public",
  name: null,
  createdAt: new Date(0).toISOString(),
  createdBy: null,
  slowModeSeconds: 0,
  owners: 0,
});

export const toRoom = (item: RoomItem): StoredRoom => ({
  roomId: item.roomId,
  kind: item.kind ?? "public",
  name: item.name ?? null,
  createdAt: item.createdAt,
  createdBy: item.createdBy ?? null,
  slowModeSeconds: item.slowModeSeconds ?? 0,
  owners: item.owners ?? 0,
});

// Whether this process wrote `general`'s row already: it is written once, on first use.
let generalWritten = false;

/** Writes `general`'s row unless it exists: public, nobody's. 1 WCU. */
export const writeGeneral = async (): Promise<void> => {
  const createdAt = new Date().toISOString();
  // Refused when it exists: it is never overwritten (its owner count may have changed).
  await conditionally(
    RoomEntity.create({ roomId: DEFAULT_ROOM_ID, kind: "public", createdAt, owners: 0 }).go({
      response: "none",
    }),
  );
};

/** `writeGeneral`, once per process. */
export const ensureGeneral = async (): Promise<void> => {
  if (generalWritten) return;
  await writeGeneral();
  generalWritten = true;
};

/** The room as the wire shows it (without the owner count). */
export const publicRoom = ({ owners: _, ...room }: StoredRoom): RoomShape => room;

export const inForce = (until: string | undefined | null, now: number): boolean =>
  until !== undefined && until !== null && Date.parse(until) > now;

/** A ban counts while it has no end or its end is ahead. */
export const banInForce = (ban: BanItem | null | undefined, now: number): boolean =>
  ban !== null && ban !== undefined && (ban.until === undefined || Date.parse(ban.until) > now);

export const toMembership = (item: MemberItem, now = Date.now()): NonNullable<Access["membership"]> => ({
  userId: item.userId,
  role: item.role as Role,
  username: item.username,
  joinedAt: item.joinedAt,
  mutedUntil: inForce(item.mutedUntil, now) ? (item.mutedUntil ?? null) : null,
});

/** What one BatchGetItem read of a room and some users. */
export interface Loaded {
  room: StoredRoom | null;
  members: Map<string, MemberItem>;
  bans: Map<string, BanItem>;
  /** The room's blocklist (folded words), when asked for; [] when it has none or it was not asked for. */
  blocklist: string[];
}

const MAX_ATTEMPTS = 5;

/**
 * Reads a room row and the member and ban rows of some users in one BatchGetItem (0.5 RCU per row under 4 KB,
 * eventually consistent), retrying unprocessed keys; with `blocklist`, the room's blocklist row too (a send needs
 * it: one more key in the same request rather than a request of its own).
 */
export const load = (
  roomId: string,
  userIds: readonly string[],
  { blocklist = false }: { blocklist?: boolean } = {},
): Promise<Loaded> =>
  storage(async () => {
    const users = [...new Set(userIds)];
    const keys = [
      RoomEntity.get({ roomId }).params().Key,
      ...users.map((userId) => MemberEntity.get({ roomId, userId }).params().Key),
      ...users.map((userId) => BanEntity.get({ roomId, userId }).params().Key),
      ...(blocklist ? [BlocklistEntity.get({ roomId }).params().Key] : []),
    ] as Record<string, unknown>[];
    const table = tableName();
    const items: Record<string, unknown>[] = [];
    let pending: Record<string, unknown>[] = keys;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const { Responses, UnprocessedKeys } = await documentClient.send(
        new (documentLibrary().BatchGetCommand)({ RequestItems: { [table]: { Keys: pending } } }),
      );
      items.push(...(Responses?.[table] ?? []));
      pending = (UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
      if (pending.length > 0 && attempt >= MAX_ATTEMPTS)
        throw new Error("BatchGetItem left keys unprocessed");
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
    }
    const loaded: Loaded = { room: null, members: new Map(), bans: new Map(), blocklist: [] };
    for (const item of items) {
      const entity = item.__edb_e__;
      if (entity === "room") {
        const { data } = RoomEntity.parse({ Item: item });
        if (data) loaded.room = toRoom(data);
      } else if (entity === "member") {
        const { data } = MemberEntity.parse({ Item: item });
        if (data) loaded.members.set(data.userId, data);
      } else if (entity === "ban") {
        const { data } = BanEntity.parse({ Item: item });
        if (data) loaded.bans.set(data.userId, data);
      } else if (entity === "blocklist") {
        const { data } = BlocklistEntity.parse({ Item: item });
        if (data) loaded.blocklist = data.words;
      }
    }
    if (!loaded.room && roomId === DEFAULT_ROOM_ID) loaded.room = generalRoom();
    return loaded;
  });

/** The caller's access to a room, from `load`. */
export const accessOf = (loaded: Loaded, caller: Pick<Caller, "userId">, now = Date.now()): Access => {
  const member = loaded.members.get(caller.userId);
  const membership = member ? toMembership(member, now) : null;
  return {
    room: loaded.room,
    membership,
    banned: banInForce(loaded.bans.get(caller.userId), now),
    muted: membership?.mutedUntil !== null && membership?.mutedUntil !== undefined,
  };
};

/**
 * What the edges ask on every socket subscribe/send and REST route: the room, the caller's membership, and
 * whether a ban or mute of theirs is in force. One BatchGetItem of three rows: 1.5 RCU.
 */
export const access = async (roomId: string, caller: Pick<Caller, "userId">): Promise<Access> =>
  accessOf(await load(roomId, [caller.userId]), caller);
