import { Entity, entityConfig, keys } from "../entity";

/** One row per (scope, subject): when it last passed a throttle. */
export const ThrottleEntity = new Entity(
  {
    model: { entity: "throttle", service: "chat", version: "1" },
    attributes: {
      scope: { type: "string", required: true },
      subject: { type: "string", required: true },
      /** Epoch milliseconds of the last hit let through. */
      passedAt: { type: "number", required: true },
      expiresAt: { type: "number", required: true },
    },
    indexes: {
      bySubject: keys.primary(["scope", "subject"], []),
    },
  },
  entityConfig(),
);
