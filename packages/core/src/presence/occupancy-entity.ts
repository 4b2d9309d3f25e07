import { Entity, entityConfig, keys } from "../entity";

/**
 * One row per room: how many users have at least one connection subscribed to it (`online`). It changes only in
 * the transactions that move a presence row's `connections` between 0 and 1, so it always equals the number of the
 * room's presence rows with a connection, and `GET /rooms/{roomId}` reads it (one GetItem) instead of those rows.
 */
export const OccupancyEntity = new Entity(
  {
    model: { entity: "occupancy", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true },
      online: { type: "number", required: true },
    },
    indexes: {
      byRoom: keys.primary(["roomId"], []),
    },
  },
  entityConfig(),
);
