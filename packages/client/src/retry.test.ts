import { describe, expect, it } from "vitest";
import { backoffDelay, isRetryableStatus, parseRetryAfter } from "./retry";

const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };

describe("backoffDelay", () => {
  it("doubles with each retry", () => {
    const delays = [1, 2, 3, 4].map((retry) => backoffDelay(retry, policy, () => 1));

    expect(delays).toEqual([100, 200, 400, 800]);
  });

  it("never exceeds the cap", () => {
    const delays = [5, 10, 60].map((retry) => backoffDelay(retry, policy, () => 1));

    expect(delays).toEqual([1_000, 1_000, 1_000]);
  });

  it("jitters between half and all of the exponential delay", () => {
    const lowest = backoffDelay(3, policy, () => 0);
    const middle = backoffDelay(3, policy, () => 0.5);
    const highest = backoffDelay(3, policy, () => 1);

    expect([lowest, middle, highest]).toEqual([200, 300, 400]);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-25T20:00:00.000Z");

  it("reads delay-seconds", () => {
    expect(parseRetryAfter("2", now)).toBe(2_000);
  });

  it("reads an HTTP date as the time left until it", () => {
    expect(parseRetryAfter("Wed, 25 Nov 2026 20:00:03 GMT", now)).toBe(3_000);
  });

  it("reads an HTTP date in the past as no wait", () => {
    expect(parseRetryAfter("Wed, 25 Nov 2026 19:59:00 GMT", now)).toBe(0);
  });

  it.each([null, undefined, "", "soon", "-1", "1.5"])("ignores %j", (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe("isRetryableStatus", () => {
  it("retries rate limiting, unavailability and gateway errors only", () => {
    const statuses = [400, 401, 403, 404, 413, 429, 500, 502, 503, 504];

    const retried = statuses.filter(isRetryableStatus);

    expect(retried).toEqual([429, 502, 503, 504]);
  });
});
