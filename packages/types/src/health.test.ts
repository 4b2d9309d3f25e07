import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { HealthResponse } from "./health";

describe("HealthResponse", () => {
  const health = { status: "ok", version: "0.1.0", stage: "dev", timestamp: "2026-11-25T20:02:42.123Z" };

  it("reports ok with the version, stage and time", () => {
    const result = v.safeParse(HealthResponse, health);

    expect(result).toMatchObject({ success: true, output: health });
  });

  it.each([
    { name: "a status other than ok", input: { ...health, status: "degraded" }, path: "status" },
    {
      name: "a timestamp without milliseconds",
      input: { ...health, timestamp: "2026-11-25T20:02:42Z" },
      path: "timestamp",
    },
    {
      name: "a missing stage",
      input: { status: "ok", version: "0.1.0", timestamp: health.timestamp },
      path: "stage",
    },
  ])("rejects $name", ({ input, path }) => {
    const result = v.safeParse(HealthResponse, input);

    expect(result.success).toBe(false);
    expect(result.issues?.map((issue) => v.getDotPath(issue))).toEqual([path]);
  });
});
