import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { RoomId } from "./fields";
import { DEFAULT_ROOM_ID, Limits } from "./limits";

describe("Limits", () => {
  it("holds the numbers of the contract", () => {
    expect(Limits).toMatchObject({
      usernameMaxLength: 50,
      textMaxLength: 500,
      historyDefaultLimit: 50,
      historyMaxLimit: 100,
      maxBodyBytes: 16 * 1024,
      idempotencyTtlSeconds: 24 * 60 * 60,
      connectionTtlSeconds: 3 * 60 * 60,
    });
  });

  it("keeps the default page size within the allowed range", () => {
    expect(Limits.historyDefaultLimit).toBeGreaterThanOrEqual(1);
    expect(Limits.historyDefaultLimit).toBeLessThanOrEqual(Limits.historyMaxLimit);
  });
});

describe("DEFAULT_ROOM_ID", () => {
  it("is general, a valid room id", () => {
    const result = v.safeParse(RoomId, DEFAULT_ROOM_ID);

    expect(DEFAULT_ROOM_ID).toBe("general");
    expect(result).toMatchObject({ success: true, output: "general" });
  });
});
