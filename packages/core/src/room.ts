import { DEFAULT_ROOM_ID, type Room } from "@chat/types";
import { Entity, entityConfig, keys } from "./entity";
import { storage } from "./error";

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

/** Every room, sorted by id. `general` always exists: it is created the first time it is missed. */
export const list = (): Promise<Room[]> =>
  storage(async () => {
    const { data } = await RoomEntity.query.all({}).go({ pages: "all" });
    const rooms = data.map(({ roomId, createdAt }) => ({ roomId, createdAt }));
    if (rooms.some((room) => room.roomId === DEFAULT_ROOM_ID)) return rooms;
    const general = await ensure(DEFAULT_ROOM_ID, new Date().toISOString());
    return [...rooms, general].sort((a, b) => a.roomId.localeCompare(b.roomId));
  });

/** Creates the room unless it exists, and returns it as stored. A concurrent creation is not an error. */
export const ensure = (roomId: string, createdAt: string): Promise<Room> =>
  storage(async () => {
    const { data } = await RoomEntity.upsert({ roomId, createdAt })
      .ifNotExists({ createdAt })
      .go({ response: "all_new" });
    return { roomId: data.roomId, createdAt: data.createdAt };
  });
