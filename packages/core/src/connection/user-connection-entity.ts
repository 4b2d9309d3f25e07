import { Entity, entityConfig, keys } from "../entity";

/** One row per (user, open connection): which connections count against the user's cap. */
export const UserConnectionEntity = new Entity(
  {
    model: { entity: "userConnection", service: "chat", version: "1" },
    attributes: {
      userId: { type: "string", required: true },
      connectionId: { type: "string", required: true },
      connectedAt: { type: "string", required: true },
      expiresAt: { type: "number", required: true },
    },
    indexes: {
      byUser: keys.primary(["userId"], ["connectionId"]),
    },
  },
  entityConfig(),
);
