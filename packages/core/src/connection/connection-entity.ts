import type { EntityItem } from "electrodb";
import { Entity, entityConfig, keys } from "../entity";

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
