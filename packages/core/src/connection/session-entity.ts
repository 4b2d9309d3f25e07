import type { EntityItem } from "electrodb";
import { Entity, entityConfig, keys } from "../entity";

/**
 * Who a connection belongs to, whatever rooms it is subscribed to (possibly none), and how many rooms that is: the
 * counter is changed in the same transaction as the room row it counts, so the cap cannot be raced past.
 */
export const SessionEntity = new Entity(
  {
    model: { entity: "session", service: "chat", version: "1" },
    attributes: {
      connectionId: { type: "string", required: true },
      userId: { type: "string", required: true },
      username: { type: "string", required: true },
      connectedAt: { type: "string", required: true },
      /** How many rooms the connection is subscribed to. */
      rooms: { type: "number", required: true },
      expiresAt: { type: "number", required: true },
    },
    indexes: {
      byConnection: keys.primary(["connectionId"], []),
    },
  },
  entityConfig(),
);

export type SessionItem = EntityItem<typeof SessionEntity>;
