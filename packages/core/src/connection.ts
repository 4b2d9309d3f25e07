import { Limits, type Member } from "@chat/types";
import type { EntityItem } from "electrodb";
import { Entity, entityConfig, epochSeconds, keys, Service } from "./entity";
import { AppError, isConditionalCheckFailure, storage } from "./error";

// Every row of a connection expires (TTL) a while after API Gateway's 2-hour cap, in case `$disconnect` never runs.
const expiry = (now = new Date()) => epochSeconds(now) + Limits.connectionTtlSeconds;

/**
 * One row per (connection, room it is subscribed to). By connection id, to drop them all on disconnect; by room on
 * `gsi1`, so a broadcast reads only that room's subscribers.
 */
export const ConnectionEntity = new Entity(
  {
    model: { entity: "connection", service: "chat", version: "1" },
    attributes: {
      connectionId: { type: "string", required: true },
      roomId: { type: "string", required: true },
      userId: { type: "string", required: true },
      username: { type: "string", required: true },
      connectedAt: { type: "string", required: true },
      /** Epoch seconds: rows of connections that never said goodbye expire (TTL). */
      expiresAt: { type: "number", required: true },
    },
    indexes: {
      byConnection: keys.primary(["connectionId"], ["roomId"]),
      byRoom: keys.gsi1(["roomId"], ["connectionId"]),
    },
  },
  entityConfig(),
);

export type ConnectionItem = EntityItem<typeof ConnectionEntity>;

/** Who a connection belongs to, whatever rooms it is subscribed to (possibly none). */
export const SessionEntity = new Entity(
  {
    model: { entity: "session", service: "chat", version: "1" },
    attributes: {
      connectionId: { type: "string", required: true },
      userId: { type: "string", required: true },
      username: { type: "string", required: true },
      connectedAt: { type: "string", required: true },
      expiresAt: { type: "number", required: true },
    },
    indexes: {
      byConnection: keys.primary(["connectionId"], []),
    },
  },
  entityConfig(),
);

export type Session = Pick<
  EntityItem<typeof SessionEntity>,
  "connectionId" | "userId" | "username" | "connectedAt"
>;

/** One row per (user, open connection): counts a user's connections without a second index. */
export const UserConnectionEntity = new Entity(
  {
    model: { entity: "userConnection", service: "chat", version: "1" },
    attributes: {
      userId: { type: "string", required: true },
      connectionId: { type: "string", required: true },
      expiresAt: { type: "number", required: true },
    },
    indexes: {
      byUser: keys.primary(["userId"], ["connectionId"]),
    },
  },
  entityConfig(),
);

/**
 * One row per (room, user present in it), counting the user's connections subscribed to the room: presence is a
 * user's first connection arriving (count 0 -> 1) or last one leaving (1 -> 0), and the members list is one Query.
 */
export const MemberEntity = new Entity(
  {
    model: { entity: "member", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true },
      userId: { type: "string", required: true },
      username: { type: "string", required: true },
      connectedAt: { type: "string", required: true },
      connections: { type: "number", required: true },
      expiresAt: { type: "number", required: true },
    },
    indexes: {
      byRoom: keys.primary(["roomId"], ["userId"]),
    },
  },
  entityConfig(),
);

const sessions = new Service(
  { session: SessionEntity, userConnection: UserConnectionEntity },
  entityConfig(),
);

export interface ConnectInput {
  connectionId: string;
  roomId: string;
  userId: string;
  username: string;
}

/** A user arriving in or leaving a room, for presence frames. */
export interface PresenceChange {
  roomId: string;
  userId: string;
  username: string;
}

/**
 * Registers a connection: its session, its place among its user's connections, and its first room. Returns the
 * presence change, if this is the user's first connection in that room.
 */
export const connect = async ({ roomId, ...session }: ConnectInput): Promise<PresenceChange | null> => {
  const now = new Date();
  const connectedAt = now.toISOString();
  await storage(async () => {
    const { canceled } = await sessions.transaction
      .write(({ session: sessionRow, userConnection }) => [
        sessionRow.put({ ...session, connectedAt, expiresAt: expiry(now) }).commit(),
        userConnection
          .put({ userId: session.userId, connectionId: session.connectionId, expiresAt: expiry(now) })
          .commit(),
      ])
      .go();
    if (canceled) throw new AppError("unavailable", "Storage is busy, please retry");
  });
  return subscribe({ ...session, connectedAt }, roomId);
};

/** The session of an open connection, or null when it is unknown (gone, or never connected). */
export const session = (connectionId: string): Promise<Session | null> =>
  storage(async () => {
    const { data } = await SessionEntity.get({ connectionId }).go();
    return (
      data && { connectionId, userId: data.userId, username: data.username, connectedAt: data.connectedAt }
    );
  });

/**
 * Subscribes a connection to a room (again is a no-op), at most `Limits.roomsPerConnection` rooms. Returns the
 * presence change when it is the user's first connection in the room.
 */
export const subscribe = (session: Session, roomId: string): Promise<PresenceChange | null> =>
  storage(async () => {
    const { connectionId, userId, username } = session;
    const { data: rooms } = await ConnectionEntity.query
      .byConnection({ connectionId })
      .go({ pages: "all", attributes: ["roomId"] });
    if (rooms.some((row) => row.roomId === roomId)) return null;
    if (rooms.length >= Limits.roomsPerConnection) {
      throw new AppError("forbidden", `At most ${Limits.roomsPerConnection} rooms per connection`);
    }
    const created = await ConnectionEntity.create({ ...session, roomId, expiresAt: expiry() })
      .go({ response: "none" })
      .then(
        () => true,
        (error: unknown) => (isConditionalCheckFailure(error) ? false : Promise.reject(error)),
      );
    if (!created) return null;
    const { data } = await MemberEntity.update({ roomId, userId })
      .data((member, { add, set, ifNotExists }) => {
        add(member.connections, 1);
        set(member.username, username);
        set(member.expiresAt, expiry());
        ifNotExists(member.connectedAt, session.connectedAt);
      })
      .go({ response: "all_new" });
    return data.connections === 1 ? { roomId, userId, username } : null;
  });

/** Whether a connection is subscribed to a room. */
export const isSubscribed = (connectionId: string, roomId: string): Promise<boolean> =>
  storage(async () => {
    const { data } = await ConnectionEntity.get({ connectionId, roomId }).go({ attributes: ["roomId"] });
    return data !== null;
  });

/** Unsubscribes a connection from a room. Returns the presence change when it was the user's last one there. */
export const unsubscribe = (session: Session, roomId: string): Promise<PresenceChange | null> =>
  storage(async () => {
    const { data } = await ConnectionEntity.delete({ connectionId: session.connectionId, roomId }).go({
      response: "all_old",
    });
    return data ? leave(roomId, session.userId, session.username) : null;
  });

const leave = async (roomId: string, userId: string, username: string): Promise<PresenceChange | null> => {
  const { data } = await MemberEntity.update({ roomId, userId })
    .subtract({ connections: 1 })
    .go({ response: "all_new" });
  if ((data.connections ?? 0) > 0) return null;
  // Only while still at zero: a connection subscribing meanwhile keeps the user in the room.
  await MemberEntity.delete({ roomId, userId })
    .where(({ connections }, { lte }) => lte(connections, 0))
    .go()
    .catch((error: unknown) => (isConditionalCheckFailure(error) ? undefined : Promise.reject(error)));
  return { roomId, userId, username };
};

/**
 * Removes every row of a connection: on `$disconnect`, and when API Gateway reports it gone. Returns the presence
 * changes: the rooms where it was its user's last connection.
 */
export const disconnect = (connectionId: string): Promise<PresenceChange[]> =>
  storage(async () => {
    const { data: rows } = await ConnectionEntity.query.byConnection({ connectionId }).go({ pages: "all" });
    const { data: sessionRow } = await SessionEntity.get({ connectionId }).go();
    const changes: PresenceChange[] = [];
    for (const { roomId, userId, username } of rows) {
      await ConnectionEntity.delete({ connectionId, roomId }).go();
      const change = await leave(roomId, userId, username);
      if (change) changes.push(change);
    }
    const userId = sessionRow?.userId ?? rows[0]?.userId;
    if (userId) await UserConnectionEntity.delete({ userId, connectionId }).go();
    await SessionEntity.delete({ connectionId }).go();
    return changes;
  });

/** How many connections a user has open (rows of connections that vanished without `$disconnect` count until TTL). */
export const countForUser = (userId: string): Promise<number> =>
  storage(async () => {
    const { data } = await UserConnectionEntity.query
      .byUser({ userId })
      .go({ pages: "all", attributes: ["connectionId"] });
    return data.length;
  });

/** Who is in a room now: one entry per user with at least one subscribed connection. */
export const members = (roomId: string): Promise<Member[]> =>
  storage(async () => {
    const { data } = await MemberEntity.query.byRoom({ roomId }).go({ pages: "all" });
    return data
      .filter((row) => row.connections > 0)
      .map(({ userId, username, connectedAt }) => ({ userId, username, connectedAt }));
  });

/** What the room index holds of a connection: all a broadcast needs. */
export type RoomListener = Pick<ConnectionItem, "connectionId" | "connectedAt">;

export interface ConnectionPage {
  connections: RoomListener[];
  /** Pass back to read the next page; null after the last one. */
  cursor: string | null;
}

/** One page of a room's subscribed connections, as the room index holds them (`RoomListener`). */
export const inRoom = (
  roomId: string,
  options: { cursor?: string | null; limit?: number } = {},
): Promise<ConnectionPage> =>
  storage(async () => {
    const { data, cursor } = await ConnectionEntity.query.byRoom({ roomId }).go({
      cursor: options.cursor ?? null,
      limit: options.limit ?? 500,
      attributes: ["connectionId", "connectedAt"],
      // The index leaves out ElectroDB's entity markers; its key prefix already admits only connection rows.
      ignoreOwnership: true,
    });
    return { connections: data, cursor };
  });
