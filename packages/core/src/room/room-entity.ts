import type { EntityItem } from "electrodb";
import { Entity, entityConfig, keys } from "../entity";

/**
 * One row per room, keyed by its id (so the access read gets it in the same BatchGetItem as the caller's member
 * and ban rows), and on `gsi1` by kind, sorted by id, so `GET /rooms` is one Query of the public rooms. The room id
 * is stored as `room`, not `roomId`: the index projects `room`, and a projected `roomId` would also copy the
 * attribute of every connection row into the index the broadcaster reads at every message.
 */
export const RoomEntity = new Entity(
  {
    model: { entity: "room", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true, field: "room" },
      /** Rows written before kinds existed read as public. */
      kind: { type: ["public", "private", "direct"] as const, required: true, default: "public" },
      name: { type: "string" },
      createdAt: { type: "string", required: true },
      createdBy: { type: "string" },
      /** Users below moderator may post once per this many seconds; 0 (or absent, on older rows) is off. */
      slowModeSeconds: { type: "number" },
      /** How many owners the room has: kept with the member rows in one transaction, so the last cannot leave. */
      owners: { type: "number", required: true, default: 0 },
    },
    indexes: {
      byId: keys.primary(["roomId"], []),
      byKind: keys.gsi1(["kind"], ["roomId"]),
    },
  },
  entityConfig(),
);
export type RoomItem = EntityItem<typeof RoomEntity>;
