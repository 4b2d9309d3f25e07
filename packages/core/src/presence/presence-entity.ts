import { Entity, entityConfig, keys } from "../entity";

/**
 * One row per (room, user present in it): how many of the user's connections are subscribed to the room, and what
 * the room was last told about the user (`announced`). A join is announced when the count leaves 0 and the room
 * last heard "left"; a leave when it has stayed at 0 for a moment and the room last heard "joined", so a user
 * flapping a subscription is announced once, not once per frame. The presence list is one Query.
 */
export const PresenceEntity = new Entity(
  {
    model: { entity: "presence", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true },
      userId: { type: "string", required: true },
      username: { type: "string", required: true },
      connectedAt: { type: "string", required: true },
      connections: { type: "number", required: true },
      announced: { type: ["joined", "left"] as const },
      /** Epoch milliseconds of the last announcement. */
      announcedAt: { type: "number" },
      expiresAt: { type: "number", required: true },
    },
    indexes: {
      byRoom: keys.primary(["roomId"], ["userId"]),
    },
  },
  entityConfig(),
);
