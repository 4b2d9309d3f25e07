/**
 * Per-post retries: exponential backoff with full jitter (a random wait in [0, min(cap, base * 2^attempt)), AWS's
 * recommendation for many clients contending for one throttle), never starting a wait that would end past the
 * deadline. A throttled connection is retried on its own; the posts that succeeded are never repeated.
 */
export const BACKOFF = { baseMs: 25, capMs: 1_000 } as const;

/**
 * What an invocation keeps for itself after its last retry: a post in flight may take its request timeout (3 s)
 * and the undelivered connections must still be handed on (one asynchronous invoke).
 */
export const DEADLINE_MARGIN_MS = 5_000;

/** Handlers that post without a Lambda context at hand (socket and HTTP notices) retry for at most this long. */
export const DEFAULT_RETRY_WINDOW_MS = 2_000;

/** The epoch ms after which no retry starts, from a Lambda context's remaining time when there is one. */
export const deadlineOf = (context?: { getRemainingTimeInMillis(): number }): number =>
  context
    ? Date.now() + Math.max(0, context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS)
    : Date.now() + DEFAULT_RETRY_WINDOW_MS;

/** The wait before retry number `attempt` (0 for the first retry). */
export const fullJitter = (attempt: number, { baseMs, capMs } = BACKOFF): number =>
  Math.random() * Math.min(capMs, baseMs * 2 ** attempt);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, fails with an error `retryable` refuses, or the next wait would end past
 * `deadline`; then throws the last error.
 */
export const retrying = async <T>(
  attempt: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  deadline: number,
): Promise<T> => {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (!retryable(error)) throw error;
      const wait = fullJitter(retry);
      if (Date.now() + wait >= deadline) throw error;
      await sleep(wait);
    }
  }
};
