import { describe, expect, it } from "vitest";
import { limitsFromEnvironment, postGate } from "./management-limits";
import { startManagementSink } from "./management-sink";
import { TokenBucket } from "./token-bucket";

describe("the management API's throttle", () => {
  it("admits a full burst at once, then the rate, refusing what is above it", () => {
    let now = 0;
    const bucket = new TokenBucket(100, 5, () => now);
    const burst = Array.from({ length: 6 }, () => bucket.take());
    expect(burst).toEqual([true, true, true, true, true, false]);
    now += 10; // 10 ms at 100/s: one token
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 10_000; // never more than the burst
    expect(Array.from({ length: 6 }, () => bucket.take()).filter(Boolean)).toHaveLength(5);
  });

  it("is off unless a rate is given", () => {
    const gate = postGate();
    expect(Array.from({ length: 10_000 }, () => gate.admit()).every(Boolean)).toBe(true);
  });

  it("reads CHAT_MANAGEMENT_RATE, _BURST and _LATENCY_MS, refusing values that are not numbers", () => {
    expect(limitsFromEnvironment({})).toEqual({ rate: undefined, burst: undefined, latencyMs: undefined });
    expect(
      limitsFromEnvironment({
        CHAT_MANAGEMENT_RATE: "10000",
        CHAT_MANAGEMENT_BURST: "5000",
        CHAT_MANAGEMENT_LATENCY_MS: "20",
      }),
    ).toEqual({ rate: 10_000, burst: 5_000, latencyMs: 20 });
    expect(() => limitsFromEnvironment({ CHAT_MANAGEMENT_RATE: "fast" })).toThrow(/CHAT_MANAGEMENT_RATE/);
    expect(() => limitsFromEnvironment({ CHAT_MANAGEMENT_BURST: "0" })).toThrow(/CHAT_MANAGEMENT_BURST/);
  });

  it("answers above the rate with 429 and the error type the AWS SDK maps to LimitExceededException", async () => {
    const sink = await startManagementSink({ rate: 0.01, burst: 2, latencyMs: 5 });
    try {
      const post = () => fetch(`${sink.endpoint}/@connections/c-1`, { method: "POST", body: "{}" });
      const answers = [await post(), await post(), await post()];
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 429]);
      expect(answers[2]?.headers.get("x-amzn-errortype")).toBe("LimitExceededException");
      expect(sink.delivered.get("c-1")).toBe(2);
      expect(sink.stats.throttled).toBe(1);
    } finally {
      await sink.stop();
    }
  });
});
