import type { PresentUser } from "@chat/types";
import { connectionExpiry } from "../connection/expiry";
import { conditionally, storage } from "../error";
import { OccupancyEntity } from "./occupancy-entity";
import { PresenceEntity } from "./presence-entity";

export { OccupancyEntity } from "./occupancy-entity";
export { PresenceEntity } from "./presence-entity";

/** A user arriving in or leaving a room, to be announced to the room. */
export interface PresenceChange {
  roomId: string;
  userId: string;
  username: string;
}

/**
 * Counts one more of the user's connections in the room. Returns the change to announce when the room last heard
 * that the user left (or never heard of them); null when it already believes them present.
 *
 * One atomic update of the presence row (1 WCU) counts the connection and marks the user announced as joined; the
 * row as it was before tells both whether this arrival took the count from 0 to 1 (only one can: it also adds the
 * user to the room's `online` count, 1 WCU) and whether it is the one to announce them (only the arrival that found
 * them not announced as joined). `announcedAt` is the last arrival's time, which holds back the announcement of a
 * leave that follows (`settle`).
 */
export const arrive = (
  { roomId, userId, username }: PresenceChange,
  connectedAt: string,
): Promise<PresenceChange | null> =>
  storage(async () => {
    const { data: before } = await PresenceEntity.update({ roomId, userId })
      .data((row, { add, set, ifNotExists }) => {
        add(row.connections, 1);
        set(row.username, username);
        set(row.expiresAt, connectionExpiry());
        ifNotExists(row.connectedAt, connectedAt);
        set(row.announced, "joined");
        set(row.announcedAt, Date.now());
      })
      .go({ response: "all_old" });
    if ((before?.connections ?? 0) <= 0) await changeOnline(roomId, 1);
    return before?.announced === "joined" ? null : { roomId, userId, username };
  });

/**
 * Counts one connection of the user fewer in the room. Returns the user as a possible departure when none is left:
 * `settle` it to learn whether the room should hear of it.
 *
 * One conditional update of the presence row (1 WCU), refused when the user has no connection counted there (so
 * the count never goes below 0); the update that takes it from 1 to 0 also takes the user out of the room's `online`
 * count (1 WCU).
 */
export const leave = ({ roomId, userId, username }: PresenceChange): Promise<PresenceChange | null> =>
  storage(async () => {
    let left: number | undefined;
    const counted = await conditionally(
      PresenceEntity.patch({ roomId, userId })
        .subtract({ connections: 1 })
        .where(({ connections }, { gt }) => gt(connections, 0))
        .go({ response: "updated_new" })
        .then(({ data }) => {
          left = data.connections;
        }),
    );
    if (!counted || left !== 0) return null;
    await changeOnline(roomId, -1);
    return { roomId, userId, username };
  });

/**
 * The room's `online` count moves only with a user's connection count there going from 0 to 1 or from 1 to 0, and
 * each such move is made by exactly one atomic update (it answers the new value), so the count is the number of
 * users with a connection in the room once the moves settle, however joins and leaves interleave. It is a plain
 * atomic ADD, not a transaction with the presence row: a connect storm updates this one item for every user, and
 * transactions on one hot item conflict (on AWS) or queue for DynamoDB Local's transaction lock.
 */
const changeOnline = async (roomId: string, by: 1 | -1): Promise<void> => {
  const { data } = await OccupancyEntity.update({ roomId })
    .add({ online: by })
    .go({ response: "updated_new" });
  if (data.online === undefined) return;
  if (noted.size >= NOTED_MAX && !noted.has(roomId)) noted.clear();
  noted.set(roomId, { online: data.online, at: Date.now() });
};

// The counts this process's own updates answered lately, by room: what a notice needs to know (is the room over the
// notice limit?) without reading the counter again right after changing it. At most `NOTED_MAX` rooms are kept.
const noted = new Map<string, { online: number; at: number }>();
const NOTED_MAX = 1_000;

/** A leave is announced no sooner than this many settle times after the user's last arrival (`announcedAt`). */
const HOLD_SETTLES = 5;

/**
 * Settles a possible departure (from `leave`): waits `settleMs`, and at least `5 x settleMs` after the user's last
 * arrival in the room, then returns the change to announce if the user is still gone and the room last heard
 * "joined"; null otherwise. A user back in the room by then (a reconnect, a re-subscribe) is not announced at all,
 * and one flapping a subscription costs the room at most a join and a leave per `5 x settleMs`. Concurrent
 * settlers of one user announce at most once.
 */
export const settle = (
  departure: PresenceChange,
  { settleMs }: { settleMs: number },
): Promise<PresenceChange | null> =>
  storage(async () => {
    const { roomId, userId } = departure;
    if (settleMs > 0) {
      const { data } = await PresenceEntity.get({ roomId, userId }).go({ attributes: ["announcedAt"] });
      const holdUntil = (data?.announcedAt ?? 0) + HOLD_SETTLES * settleMs;
      const wait = Math.max(settleMs, holdUntil - Date.now());
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const announce = await conditionally(
      PresenceEntity.patch({ roomId, userId })
        .set({ announced: "left", announcedAt: Date.now() })
        .where(
          ({ announced, connections }, { eq, lte }) =>
            `${eq(announced, "joined")} AND ${lte(connections, 0)}`,
        )
        .go({ response: "none" }),
    );
    // Only while still at zero: a connection arriving meanwhile keeps the user in the room.
    await conditionally(
      PresenceEntity.delete({ roomId, userId })
        .where(({ connections }, { lte }) => lte(connections, 0))
        .go(),
    );
    return announce ? departure : null;
  });

/** Who is in a room now: one entry per user with at least one subscribed connection. */
export const list = (roomId: string): Promise<PresentUser[]> =>
  storage(async () => {
    const { data } = await PresenceEntity.query.byRoom({ roomId }).go({ pages: "all" });
    return data
      .filter((row) => row.connections > 0)
      .map(({ userId, username, connectedAt }) => ({ userId, username, connectedAt }));
  });

/**
 * How many users are connected to a room now: the room's `online` count (one GetItem, 0.5 RCU), kept by `arrive`
 * and `leave`; no presence or connection row is read.
 */
export const count = (roomId: string): Promise<number> =>
  storage(async () => {
    const { data } = await OccupancyEntity.get({ roomId }).go({ attributes: ["online"] });
    return Math.max(0, data?.online ?? 0);
  });

/**
 * About how many users are connected to a room, for deciding whether it is small enough for typing and presence
 * notices: the count this process's own update answered within `maxAgeMs`, else `count`. In a connect storm every
 * join announces itself right after moving the counter, so the announcement does not read it back (one GetItem per
 * join fewer). It may be off by the joins and leaves of other processes in that time: a notice near the limit may
 * go to a room just over it or not to one just under it.
 */
export const roughCount = (roomId: string, { maxAgeMs = 1_000 } = {}): Promise<number> => {
  const recent = noted.get(roomId);
  if (recent && Date.now() - recent.at <= maxAgeMs) return Promise.resolve(Math.max(0, recent.online));
  return count(roomId);
};

/**
 * Which users with ids from `first` to `last` (inclusive) are connected to a room now: one Query of the room's
 * presence rows in that range (sorted by user id like member rows, so a page of members reads only the presence rows
 * of its own span: 0.5 RCU per 4 KB, about 40 rows).
 */
export const onlineBetween = (roomId: string, first: string, last: string): Promise<Set<string>> =>
  storage(async () => {
    const { data } = await PresenceEntity.query
      .byRoom({ roomId })
      .between({ userId: first }, { userId: last })
      .go({ pages: "all", attributes: ["userId", "connections"] });
    return new Set(data.filter((row) => row.connections > 0).map((row) => row.userId));
  });
