import type { PresentUser } from "@chat/types";
import { connectionExpiry } from "../connection/expiry";
import { entityConfig, Service } from "../entity";
import { AppError, conditionally, storage } from "../error";
import { transact } from "../transaction";
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

const presence = new Service({ presence: PresenceEntity, occupancy: OccupancyEntity }, entityConfig());

const MAX_ATTEMPTS = 4;
const busy = () => new AppError("unavailable", "Storage is busy, please retry");

/**
 * Counts one more of the user's connections in the room. Returns the change to announce when the room last heard
 * that the user left (or never heard of them); null when it already believes them present.
 *
 * The user's first connection there sets the presence row's `connections` to 1 and adds the user to the room's
 * `online` count in one transaction (2 items: 4 WCU); another connection of a user already counted is one
 * conditional update (1 WCU). Either way the announcement is one more conditional patch (1 WCU).
 */
export const arrive = (
  { roomId, userId, username }: PresenceChange,
  connectedAt: string,
): Promise<PresenceChange | null> =>
  storage(async () => {
    const expiresAt = connectionExpiry();
    for (let attempt = 1; ; attempt++) {
      const refused = await transact(() =>
        presence.transaction
          .write(({ presence: row, occupancy }) => [
            row
              .update({ roomId, userId })
              .data((item, { set, ifNotExists }) => {
                set(item.connections, 1);
                set(item.username, username);
                set(item.expiresAt, expiresAt);
                ifNotExists(item.connectedAt, connectedAt);
              })
              .where(
                (item, { notExists, lte }) => `${notExists(item.connections)} OR ${lte(item.connections, 0)}`,
              )
              .commit(),
            occupancy.update({ roomId }).add({ online: 1 }).commit(),
          ])
          .go(),
      );
      if (!refused) break;
      // The user is counted already (another connection): one more connection, only while still counted.
      const added = await conditionally(
        PresenceEntity.update({ roomId, userId })
          .data((item, { add, set }) => {
            add(item.connections, 1);
            set(item.username, username);
            set(item.expiresAt, expiresAt);
          })
          .where((item, { gt }) => gt(item.connections, 0))
          .go({ response: "none" }),
      );
      if (added) break;
      if (attempt >= MAX_ATTEMPTS) throw busy();
    }
    // One writer wins the announcement, however many connections arrive at once.
    const announce = await conditionally(
      PresenceEntity.patch({ roomId, userId })
        .set({ announced: "joined", announcedAt: Date.now() })
        .where(
          ({ announced, connections }, { notExists, ne, gt }) =>
            `(${notExists(announced)} OR ${ne(announced, "joined")}) AND ${gt(connections, 0)}`,
        )
        .go({ response: "none" }),
    );
    return announce ? { roomId, userId, username } : null;
  });

/**
 * Counts one connection of the user fewer in the room. Returns the user as a possible departure when none is left:
 * `settle` it to learn whether the room should hear of it.
 *
 * The user's last connection there sets `connections` to 0 and takes the user out of the room's `online` count in
 * one transaction (4 WCU); with more connections left it is one conditional update (1 WCU). A leave finding the
 * user already gone (no row, or 0) changes nothing, so the count never goes below the users present.
 */
export const leave = ({ roomId, userId, username }: PresenceChange): Promise<PresenceChange | null> =>
  storage(async () => {
    for (let attempt = 1; ; attempt++) {
      const refused = await transact(() =>
        presence.transaction
          .write(({ presence: row, occupancy }) => [
            row
              .patch({ roomId, userId })
              .set({ connections: 0 })
              .where((item, { eq }) => eq(item.connections, 1))
              .commit(),
            occupancy.update({ roomId }).add({ online: -1 }).commit(),
          ])
          .go(),
      );
      if (!refused) return { roomId, userId, username };
      const subtracted = await conditionally(
        PresenceEntity.patch({ roomId, userId })
          .subtract({ connections: 1 })
          .where((item, { gt }) => gt(item.connections, 1))
          .go({ response: "none" }),
      );
      if (subtracted) return null;
      const { data } = await PresenceEntity.get({ roomId, userId }).go({
        attributes: ["connections"],
        consistent: true,
      });
      if (!data || data.connections <= 0) return null;
      if (attempt >= MAX_ATTEMPTS) throw busy();
    }
  });

/** A leave is announced no sooner than this many settle times after the join it follows. */
const HOLD_SETTLES = 5;

/**
 * Settles a possible departure (from `leave`): waits `settleMs`, and at least `5 x settleMs` after the room last
 * heard of the user, then returns the change to announce if the user is still gone and the room last heard
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
