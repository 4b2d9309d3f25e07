import { Entity, entityConfig, keys } from "../entity";

/**
 * How many connections a user has open: one row per user, changed in the same transaction as the user's
 * connection rows, so the cap holds however many handshakes arrive at once.
 */
export const ConnectionCountEntity = new Entity(
  {
    model: { entity: "connectionCount", service: "chat", version: "1" },
    attributes: {
      userId: { type: "string", required: true },
      count: { type: "number", required: true },
      expiresAt: { type: "number", required: true },
    },
    indexes: {
      byUser: keys.primary(["userId"], []),
    },
  },
  entityConfig(),
);
