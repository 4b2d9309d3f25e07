import { Entity, entityConfig, keys } from "../entity";

/** One row per room, all in one partition, so `GET /rooms` is a Query sorted by id. */
export const RoomEntity = new Entity(
  {
    model: { entity: "room", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true },
      createdAt: { type: "string", required: true },
    },
    indexes: {
      all: keys.primary([], ["roomId"]),
    },
  },
  entityConfig(),
);
