import { Entity, entityConfig, keys } from "./entity";
import { AppError, isConditionalCheckFailure, storage } from "./error";

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

export interface Limit {
  /** What is counted, e.g. "send" or "frame". */
  scope: string;
  /** Who is counted, e.g. a user or connection id. */
  subject: string;
  /** Most hits per window. */
  max: number;
  windowSeconds?: number;
}

/**
 * Counts one hit and throws `rate_limited` (with the seconds until the window closes as `retryAfter`) once the
 * subject is past its limit. The count is one atomic update, so concurrent requests cannot slip through together.
 */
export const hit = ({ scope, subject, max, windowSeconds = 60 }: Limit): Promise<void> =>
  storage(async () => {
    const nowSeconds = Date.now() / 1000;
    const window = Math.floor(nowSeconds / windowSeconds);
    const windowEnds = (window + 1) * windowSeconds;
    const { data } = await RateLimitEntity.update({ scope, subject, window })
      .add({ count: 1 })
      .set({ expiresAt: windowEnds + windowSeconds })
      .go({ response: "updated_new" });
    if ((data.count ?? 0) > max) {
      throw new AppError(
        "rate_limited",
        `Too many requests: at most ${max} per ${windowSeconds} s`,
        undefined,
        {
          retryAfter: Math.max(1, Math.ceil(windowEnds - nowSeconds)),
        },
      );
    }
  });

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

/**
 * Lets one hit through per `intervalMs` for a subject, whatever the timing (a fixed window would let two through
 * around its edge). True when this hit passes. One conditional write, so concurrent hits cannot both pass.
 */
export const throttle = ({
  scope,
  subject,
  intervalMs,
}: {
  scope: string;
  subject: string;
  intervalMs: number;
}) =>
  storage(async () => {
    const now = Date.now();
    return ThrottleEntity.upsert({
      scope,
      subject,
      passedAt: now,
      expiresAt: Math.ceil((now + intervalMs) / 1000) + 60,
    })
      .where(
        ({ passedAt }, { notExists, lte }) => `${notExists(passedAt)} OR ${lte(passedAt, now - intervalMs)}`,
      )
      .go({ response: "none" })
      .then(
        () => true,
        (error: unknown) => (isConditionalCheckFailure(error) ? false : Promise.reject(error)),
      );
  });
