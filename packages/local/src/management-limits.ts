import { TokenBucket } from "./token-bucket";

/** How the local management API answers posts: AWS's account throttle and a latency per post. */
export interface ManagementLimits {
  /** Posts per second admitted (the account's `postToConnection` rate: 10,000/s by default on AWS). */
  rate?: number | undefined;
  /** Posts admitted at once from a full bucket (AWS: 5,000); `rate / 2` when absent. */
  burst?: number | undefined;
  /** How long each admitted post takes to answer, in milliseconds. */
  latencyMs?: number | undefined;
}

/** What the management API does with one post: refuse it (throttled) or admit it after the latency. */
export interface PostGate {
  /** False: answer 429 `LimitExceededException`, as API Gateway does above the account's rate. */
  admit(): boolean;
  /** Waits out the configured latency (resolves at once without one). */
  delay(): Promise<void>;
}

/** A gate for the limits given; without a rate every post is admitted (unlimited, as before). */
export const postGate = ({ rate, burst, latencyMs = 0 }: ManagementLimits = {}): PostGate => {
  const bucket = rate ? new TokenBucket(rate, burst ?? Math.max(1, rate / 2)) : null;
  return {
    admit: () => bucket?.take() ?? true,
    delay: () =>
      latencyMs > 0 ? new Promise((resolve) => setTimeout(resolve, latencyMs)) : Promise.resolve(),
  };
};

/**
 * The limits named by the environment: `CHAT_MANAGEMENT_RATE` (posts/s), `CHAT_MANAGEMENT_BURST` (default rate/2),
 * `CHAT_MANAGEMENT_LATENCY_MS`. Unset: unlimited and immediate. Throws on a value that is not a positive number.
 */
export const limitsFromEnvironment = (env: NodeJS.ProcessEnv = process.env): ManagementLimits => {
  const read = (name: string, min: number): number | undefined => {
    const value = env[name];
    if (value === undefined || value === "") return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min) {
      throw new Error(`${name} must be a number >= ${min}, got "${value}"`);
    }
    return parsed;
  };
  return {
    rate: read("CHAT_MANAGEMENT_RATE", 1),
    burst: read("CHAT_MANAGEMENT_BURST", 1),
    latencyMs: read("CHAT_MANAGEMENT_LATENCY_MS", 0),
  };
};
