import { AppError, conditionally, storage } from "../error";
import { RateLimitEntity } from "./rate-limit-entity";
import { ThrottleEntity } from "./throttle-entity";

export { RateLimitEntity } from "./rate-limit-entity";
export { ThrottleEntity } from "./throttle-entity";

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
    const written = ThrottleEntity.upsert({
      scope,
      subject,
      passedAt: now,
      expiresAt: Math.ceil((now + intervalMs) / 1000) + 60,
    })
      .where(
        ({ passedAt }, { notExists, lte }) => `${notExists(passedAt)} OR ${lte(passedAt, now - intervalMs)}`,
      )
      .go({ response: "none" });
    return conditionally(written);
  });

/**
 * `throttle`, refusing: lets one hit through per `intervalMs` for a subject and throws `rate_limited` for any other,
 * with the seconds until the next may pass (rounded up) as `retryAfter`. One conditional write (1 WCU); a refused
 * hit also reads when the last one passed (GetItem, 1 RCU, strongly consistent).
 */
export const pace = (limit: { scope: string; subject: string; intervalMs: number; message: string }) =>
  storage(async () => {
    const { scope, subject, intervalMs, message } = limit;
    if (await throttle({ scope, subject, intervalMs })) return;
    const { data } = await ThrottleEntity.get({ scope, subject }).go({
      attributes: ["passedAt"],
      consistent: true,
    });
    const waitMs = (data?.passedAt ?? Date.now()) + intervalMs - Date.now();
    throw new AppError("rate_limited", message, undefined, {
      retryAfter: Math.max(1, Math.ceil(waitMs / 1000)),
    });
  });
