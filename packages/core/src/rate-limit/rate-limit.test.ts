import { describe, expect, it } from "vitest";
import type { AppError } from "../error";
import * as RateLimit from ".";

const subject = () => `s-${process.pid}-${Math.random().toString(36).slice(2)}`;

describe("RateLimit.hit", () => {
  it("lets max hits through per window, then refuses with rate_limited and a retry-after", async () => {
    const limit = { scope: "test", subject: subject(), max: 3 };
    for (let i = 0; i < 3; i++) await RateLimit.hit(limit);

    const error = await RateLimit.hit(limit).then(
      () => null,
      (e: unknown) => e as AppError,
    );

    expect(error?.code).toBe("rate_limited");
    expect(error?.retryAfter).toBeGreaterThanOrEqual(1);
    expect(error?.retryAfter).toBeLessThanOrEqual(60);
  });

  it("counts concurrent hits atomically", async () => {
    const limit = { scope: "test", subject: subject(), max: 5 };

    const results = await Promise.allSettled(Array.from({ length: 12 }, () => RateLimit.hit(limit)));

    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
  });
});

describe("RateLimit.throttle", () => {
  it("lets one hit through per interval, however close together they come", async () => {
    const key = { scope: "test", subject: subject(), intervalMs: 300 };

    const burst = await Promise.all(Array.from({ length: 5 }, () => RateLimit.throttle(key)));
    await new Promise((resolve) => setTimeout(resolve, 350));
    const later = await RateLimit.throttle(key);

    expect(burst.filter(Boolean)).toHaveLength(1);
    expect(later).toBe(true);
  });
});
