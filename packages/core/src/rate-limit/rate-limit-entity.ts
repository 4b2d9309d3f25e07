import { Entity, entityConfig, keys } from "../entity";

/**
 * Fixed-window request counters: one row per (scope, subject, window), incremented atomically and expiring (TTL)
 * soon after its window closes.
 */
export const RateLimitEntity = new Entity(
  {
    model: { entity: "rateLimit", service: "chat", version: "1" },
    attributes: {
      scope: { type: "string", required: true },
      subject: { type: "string", required: true },
      /** Window number: seconds since the epoch divided by the window length. */
      window: { type: "number", required: true },
      count: { type: "number", required: true },
      expiresAt: { type: "number", required: true },
    },
    indexes: {
      byWindow: keys.primary(["scope", "subject", "window"], []),
    },
  },
  entityConfig(),
);
