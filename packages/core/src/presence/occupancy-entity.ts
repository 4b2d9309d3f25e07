import { Entity, entityConfig, keys } from "../entity";

/**
 * One row per room: how many users have at least one connection subscribed to it (`online`). It changes only with a
 * presence row's `connections` moving between 0 and 1 (see `Presence.arrive` and `leave`), so it equals the number
 * of the room's presence rows with a connection, and `GET /rooms/{roomId}` reads it (one GetItem) instead of them.
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
