import { Limits } from "@chat/types";
import { Entity, type EntityItem, Service } from "electrodb";
import { entityConfig, epochSeconds, keys } from "./entity";
import { AppError, storage } from "./error";

/**
 * One row per (connection, room it listens to). By connection id, to drop them all on disconnect; by room on
 * `gsi1`, so a broadcast reads only that room's connections.
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

const rows = new Service(
  { connection: ConnectionEntity, userConnection: UserConnectionEntity },
  entityConfig(),
);

export interface ConnectInput {
  connectionId: string;
  roomId: string;
  userId: string;
  username: string;
}

/** Registers a connection as a listener of a room, and as one of its user's connections. */
export const connect = (input: ConnectInput): Promise<void> =>
  storage(async () => {
    const now = new Date();
    const expiresAt = epochSeconds(now) + Limits.connectionTtlSeconds;
    const { canceled } = await rows.transaction
      .write(({ connection, userConnection }) => [
        connection.put({ ...input, connectedAt: now.toISOString(), expiresAt }).commit(),
        userConnection.put({ userId: input.userId, connectionId: input.connectionId, expiresAt }).commit(),
      ])
      .go();
    if (canceled) throw new AppError("unavailable", "Storage is busy, please retry");
  });

/** How many connections a user has open (rows of connections that vanished without `$disconnect` count until TTL). */
export const countForUser = (userId: string): Promise<number> =>
  storage(async () => {
    const { data } = await UserConnectionEntity.query
      .byUser({ userId })
      .go({ pages: "all", attributes: ["connectionId"] });
    return data.length;
  });

/** Removes every row of a connection: on `$disconnect`, and when API Gateway reports it gone. */
export const disconnect = (connectionId: string): Promise<void> =>
  storage(async () => {
    const { data } = await ConnectionEntity.query.byConnection({ connectionId }).go({ pages: "all" });
    const users = new Set(data.map(({ userId }) => userId));
    await deleteAll(
      ConnectionEntity,
      data.map(({ roomId }) => ({ connectionId, roomId })),
    );
    await deleteAll(
      UserConnectionEntity,
      [...users].map((userId) => ({ userId, connectionId })),
    );
  });

// A batch write may leave some keys unprocessed under load: those are tried again.
const deleteAll = async <K>(
  entity: { delete(keys: K[]): { go(): Promise<{ unprocessed: K[] }> } },
  all: K[],
) => {
  let keys = all;
  for (let attempt = 1; keys.length > 0; attempt++) {
    if (attempt > 3) throw new AppError("unavailable", "Storage is busy, please retry");
    ({ unprocessed: keys } = await entity.delete(keys).go());
  }
};

/** What the room index holds of a connection: all a broadcast needs. */
export type RoomListener = Pick<ConnectionItem, "connectionId" | "connectedAt">;

export interface ConnectionPage {
  connections: RoomListener[];
  /** Pass back to read the next page; null after the last one. */
  cursor: string | null;
}

/** One page of a room's connections, as the room index holds them (`RoomListener`). */
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
