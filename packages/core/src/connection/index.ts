import { Limits } from "@chat/types";
import { entityConfig, Service } from "../entity";
import { AppError, conditionally, storage } from "../error";
import * as Presence from "../presence";
import { failedAt, transact } from "../transaction";
import { ConnectionCountEntity } from "./connection-count-entity";
import { ConnectionEntity, type ConnectionItem } from "./connection-entity";
import { connectionExpiry } from "./expiry";
import { SessionEntity, type SessionItem } from "./session-entity";
import { UserConnectionEntity } from "./user-connection-entity";

export type { PresenceChange } from "../presence";
export { ConnectionCountEntity } from "./connection-count-entity";
export { ConnectionEntity, type ConnectionItem } from "./connection-entity";
export { SessionEntity } from "./session-entity";
export { UserConnectionEntity } from "./user-connection-entity";

const ROOMS_PER_CONNECTION: number = Limits.roomsPerConnection;

export type Session = Pick<SessionItem, "connectionId" | "userId" | "username" | "connectedAt">;

const connections = new Service(
  {
    connection: ConnectionEntity,
    session: SessionEntity,
    userConnection: UserConnectionEntity,
    count: ConnectionCountEntity,
  },
  entityConfig(),
);

export interface ConnectInput {
  connectionId: string;
  roomId: string;
  userId: string;
  username: string;
  /** The most connections the user may have open at once. */
  maxConnections: number;
}

export type ConnectResult =
  | { connected: true; session: Session; presence: Presence.PresenceChange | null }
  /** The user already has `maxConnections` counted: nothing was written. */
  | { connected: false };

/**
 * Registers a connection and its first room in one transaction: the user's connection counter (only while under
 * `maxConnections`), the session (counting one room), the user's row for it, and the room row. Returns the
 * presence change when the room should hear of the user.
 */
export const connect = ({ maxConnections, roomId, ...input }: ConnectInput): Promise<ConnectResult> =>
  storage(async () => {
    const now = new Date();
    const session: Session = { ...input, connectedAt: now.toISOString() };
    const expiresAt = connectionExpiry(now);
    const { connectionId, userId } = session;
    const refused = await transact(() =>
      connections.transaction
        .write(({ count, session: sessionRow, userConnection, connection }) => [
          count
            .update({ userId })
            .add({ count: 1 })
            .set({ expiresAt })
            .where((row, { notExists, lt }) => `${notExists(row.count)} OR ${lt(row.count, maxConnections)}`)
            .commit(),
          sessionRow.put({ ...session, rooms: 1, expiresAt }).commit(),
          userConnection.put({ userId, connectionId, connectedAt: session.connectedAt, expiresAt }).commit(),
          connection.put({ ...session, roomId, expiresAt }).commit(),
        ])
        .go(),
    );
    if (refused) return { connected: false };
    const presence = await Presence.arrive(
      { roomId, userId, username: session.username },
      session.connectedAt,
    );
    return { connected: true, session, presence };
  });

/** The session of an open connection, or null when it is unknown (gone, or never connected). */
export const session = (connectionId: string): Promise<Session | null> =>
  storage(async () => {
    const { data } = await SessionEntity.get({ connectionId }).go();
    return (
      data && { connectionId, userId: data.userId, username: data.username, connectedAt: data.connectedAt }
    );
  });

/**
 * Subscribes a connection to a room (again is a no-op), at most `Limits.roomsPerConnection` rooms: the room row
 * and the session's room counter are written in one transaction. Returns the presence change to announce.
 */
export const subscribe = (session: Session, roomId: string): Promise<Presence.PresenceChange | null> =>
  storage(async () => {
    const { connectionId, userId, username } = session;
    const refused = await transact(() =>
      connections.transaction
        .write(({ connection, session: sessionRow }) => [
          connection.create({ ...session, roomId, expiresAt: connectionExpiry() }).commit(),
          sessionRow
            .patch({ connectionId })
            .add({ rooms: 1 })
            .where(({ rooms }, { lt }) => lt(rooms, ROOMS_PER_CONNECTION))
            .commit(),
        ])
        .go(),
    );
    if (refused && failedAt(refused, 0)) return null;
    if (refused) {
      throw new AppError("forbidden", `At most ${ROOMS_PER_CONNECTION} rooms per connection`);
    }
    return Presence.arrive({ roomId, userId, username }, session.connectedAt);
  });

/**
 * Deletes a connection's subscription row and releases its place under the room cap, in one transaction (4 WCU).
 * False when it was not subscribed. With the session gone (a disconnect is removing it) only the row is deleted.
 */
const dropSubscription = async (connectionId: string, roomId: string): Promise<boolean> => {
  const refused = await transact(() =>
    connections.transaction
      .write(({ connection, session }) => [
        connection
          .delete({ connectionId, roomId })
          .where((row, { exists }) => exists(row.roomId))
          .commit(),
        session.patch({ connectionId }).add({ rooms: -1 }).commit(),
      ])
      .go(),
  );
  if (refused && failedAt(refused, 0)) return false;
  if (refused) await ConnectionEntity.delete({ connectionId, roomId }).go();
  return true;
};

/** Whether a connection is subscribed to a room. */
export const isSubscribed = (connectionId: string, roomId: string): Promise<boolean> =>
  storage(async () => {
    const { data } = await ConnectionEntity.get({ connectionId, roomId }).go({ attributes: ["roomId"] });
    return data !== null;
  });

/**
 * Unsubscribes a connection from a room, releasing its place under the room cap. Returns the user as a possible
 * departure when it was their last connection there (see `Presence.settle`).
 */
export const unsubscribe = (session: Session, roomId: string): Promise<Presence.PresenceChange | null> =>
  storage(async () => {
    const { connectionId, userId, username } = session;
    if (!(await dropSubscription(connectionId, roomId))) return null;
    return Presence.leave({ roomId, userId, username });
  });

/**
 * Removes every row of a connection and releases its place under the user's cap: on `$disconnect`, and when API
 * Gateway reports it gone. Returns the possible departures: the rooms where it was its user's last connection.
 */
export const disconnect = (connectionId: string): Promise<Presence.PresenceChange[]> =>
  storage(async () => {
    const [{ data: rows }, { data: sessionRow }] = await Promise.all([
      ConnectionEntity.query.byConnection({ connectionId }).go({ pages: "all" }),
      SessionEntity.get({ connectionId }).go(),
    ]);
    const userId = sessionRow?.userId ?? rows[0]?.userId;
    if (userId) {
      // The counter drops only with the row it counts, so a repeated disconnect cannot release a place twice.
      await transact(() =>
        connections.transaction
          .write(({ userConnection, count }) => [
            userConnection
              .delete({ userId, connectionId })
              .where((row, { exists }) => exists(row.connectionId))
              .commit(),
            count.patch({ userId }).add({ count: -1 }).commit(),
          ])
          .go(),
      );
    }
    const changes = await Promise.all(
      rows.map(async ({ roomId, userId, username }) => {
        // Only the call that deletes the row counts the leave: a repeated or concurrent disconnect (or an
        // unsubscribe racing it) cannot take one connection out of the room twice.
        const deleted = await conditionally(
          ConnectionEntity.delete({ connectionId, roomId })
            .where((row, { exists }) => exists(row.roomId))
            .go(),
        );
        return deleted ? Presence.leave({ roomId, userId, username }) : null;
      }),
    );
    await SessionEntity.delete({ connectionId }).go();
    return changes.filter((change) => change !== null);
  });

/** A connection counted against its user's cap. */
export interface CountedConnection {
  connectionId: string;
  connectedAt: string;
}

/** The connections counted against a user's cap, leaving out rows past their expiry that TTL has not removed yet. */
export const ofUser = (userId: string): Promise<CountedConnection[]> =>
  storage(async () => {
    const { data } = await UserConnectionEntity.query.byUser({ userId }).go({ pages: "all" });
    const now = Date.now() / 1000;
    return data
      .filter((row) => row.expiresAt > now)
      .map(({ connectionId, connectedAt }) => ({ connectionId, connectedAt }));
  });

/**
 * Sets a user's connection counter to the connections still counted (`ofUser`), unless it changed meanwhile:
 * rows removed by TTL never decremented it.
 */
export const recount = (userId: string): Promise<void> =>
  storage(async () => {
    const [{ data: counter }, counted] = await Promise.all([
      ConnectionCountEntity.get({ userId }).go({ consistent: true }),
      ofUser(userId),
    ]);
    if (!counter || counter.count === counted.length) return;
    await ConnectionCountEntity.patch({ userId })
      .set({ count: counted.length })
      .where(({ count }, { eq }) => eq(count, counter.count))
      .go({ response: "none" })
      .catch(() => undefined);
  });

/** What the room index holds of a connection: all a broadcast needs. */
export type RoomListener = Pick<ConnectionItem, "connectionId" | "connectedAt">;

export interface ConnectionPage {
  connections: RoomListener[];
  /** Pass back to read the next page; null after the last one. */
  cursor: string | null;
}

/**
 * One page of a room's subscribed connections, as the room index holds them (`RoomListener`), in connection id
 * order. `after` (exclusive) or `from` (inclusive), and `until` (inclusive), bound it to a slice of connection ids:
 * one fan-out shard, or the span of a page read before (to read it again).
 */
export const inRoom = (
  roomId: string,
  options: { cursor?: string | null; limit?: number; after?: string; from?: string; until?: string } = {},
): Promise<ConnectionPage> =>
  storage(async () => {
    const { after, until } = options;
    const lower = after ?? options.from;
    const query = ConnectionEntity.query.byRoom({ roomId });
    const range =
      lower !== undefined && until !== undefined
        ? query.between({ connectionId: lower }, { connectionId: until })
        : after !== undefined
          ? query.gt({ connectionId: after })
          : lower !== undefined
            ? query.gte({ connectionId: lower })
            : until !== undefined
              ? query.lte({ connectionId: until })
              : query;
    const { data, cursor } = await range.go({
      cursor: options.cursor ?? null,
      limit: options.limit ?? 500,
      attributes: ["connectionId", "connectedAt"],
      // The index leaves out ElectroDB's entity markers; its key prefix already admits only connection rows.
      ignoreOwnership: true,
    });
    // `between` includes both ends; `after` belongs to the slice before this one.
    const connections = after === undefined ? data : data.filter((row) => row.connectionId !== after);
    return { connections, cursor };
  });

/** What `revoke` did. */
export interface Revocation {
  /** The connections that were subscribed to the room, now no longer: tell them (`unsubscribed`). */
  connectionIds: string[];
  /** The user as a possible departure from the room's presence (see `Presence.settle`), or null. */
  departure: Presence.PresenceChange | null;
}

/**
 * Ends a user's subscriptions to a room on all their connections (they left, were removed or banned): finds their
 * connections through their user rows (one Query: 0.5 RCU per 4 KB), reads each one's subscription row (GetItem,
 * 0.5 RCU), and deletes those that exist with the session's room counter released (one transaction of 2 items per
 * subscribed connection: 4 WCU). Returns the connections it unsubscribed.
 */
export const revoke = (roomId: string, userId: string): Promise<Revocation> =>
  storage(async () => {
    const rows = await ofUserInRoom(roomId, userId);
    const removed = await Promise.all(
      rows.map(async ({ connectionId, username }) =>
        (await dropSubscription(connectionId, roomId)) ? { connectionId, username } : null,
      ),
    );
    const revoked = removed.filter((row) => row !== null);
    let departure: Presence.PresenceChange | null = null;
    for (const { username } of revoked) {
      departure = (await Presence.leave({ roomId, userId, username })) ?? departure;
    }
    return { connectionIds: revoked.map((row) => row.connectionId), departure };
  });

/**
 * A user's connections subscribed to a room, with the name they connected under: one Query of the user's
 * connection rows and a GetItem per connection (0.5 RCU each).
 */
export const ofUserInRoom = (
  roomId: string,
  userId: string,
): Promise<{ connectionId: string; username: string }[]> =>
  storage(async () => {
    const counted = await ofUser(userId);
    const rows = await Promise.all(
      counted.map(({ connectionId }) =>
        ConnectionEntity.get({ connectionId, roomId }).go({ attributes: ["connectionId", "username"] }),
      ),
    );
    return rows.flatMap(({ data }) =>
      data ? [{ connectionId: data.connectionId, username: data.username }] : [],
    );
  });
