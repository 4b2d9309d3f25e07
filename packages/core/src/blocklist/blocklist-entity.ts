import type { EntityItem } from "electrodb";
import { Entity, entityConfig, keys } from "../entity";

/** One row per room with a blocklist: its words, lower-cased. A send reads it with one GetItem (0.5 RCU). */
export const BlocklistEntity = new Entity(
  {
    model: { entity: "blocklist", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true },
      words: { type: "list", items: { type: "string" }, required: true },
      updatedBy: { type: "string", required: true },
      updatedAt: { type: "string", required: true },
    },
    indexes: {
      byRoom: keys.primary(["roomId"], []),
    },
  },
  entityConfig(),
);
export type BlocklistItem = EntityItem<typeof BlocklistEntity>;
