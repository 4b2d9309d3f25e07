/** How a call is retried. Every field has a default, chosen for a person waiting on a chat page. */
export interface RetryOptions {
  /** Attempts in all, the first one included. Default 5; 1 turns retries off. */
  attempts?: number;
  /** The backoff before the first retry, doubled for each one after. Default 250 ms. */
  baseDelayMs?: number;
  /** The longest wait between attempts, backoff or `retry-after` alike; a longer `retry-after` gives up at once. Default 30 s. */
  maxDelayMs?: number;
}

/** What `onRetry` is told before each wait. */
export interface RetryEvent {
  method: string;
  path: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  /** The HTTP status that is retried, or `"network"` for a failure to get an answer at all. */
  reason: number | "network";
  /** How long the client waits before the next attempt. */
  delayMs: number;
}

export const defaultRetry = { attempts: 5, baseDelayMs: 250, maxDelayMs: 30_000 } as const;

/** Statuses that say "try again later": rate limited, unavailable, and API Gateway's own gateway errors. */
export const isRetryableStatus = (status: number): boolean =>
  status === 429 || status === 502 || status === 503 || status === 504;

/**
 * The wait before retry number `retry` (from 1): exponential, capped, with "equal jitter" — half fixed, half
 * random — so that clients failing together do not come back together, yet never retry at once.
 */
export const backoffDelay = (
  retry: number,
  { baseDelayMs, maxDelayMs }: { baseDelayMs: number; maxDelayMs: number },
  random: () => number = Math.random,
): number => {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
};

/**
 * A `retry-after` header in milliseconds from `now`: either delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * `undefined` when absent or unreadable; a date in the past is 0.
 */
export const parseRetryAfter = (value: string | null | undefined, now: number): number | undefined => {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP date format starts with the day's name; without this, Date.parse reads "-1" or "1.5" as years.
  const date = /^[A-Za-z]/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
