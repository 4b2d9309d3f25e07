import { AppError } from "@chat/core";
import { Limits } from "@chat/types";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { httpEvent } from "../../test/events";
import { http } from "./http";

const event = httpEvent({ routeKey: "GET /boom", path: "/boom" });

describe("the HTTP edge", () => {
  it("answers an unexpected error with a bare 500 internal that leaks nothing", async () => {
    const handler = http({}, async () => {
      throw new Error("secret table name and stack");
    });

    const result = await handler(event);

    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body ?? "")).toEqual({ code: "internal", message: "Internal error" });
    expect(result.headers?.["x-request-id"]).toBe(event.requestContext.requestId);
  });

  it("answers an AppError with the status of its code", async () => {
    const handler = http({}, async () => {
      throw new AppError("unavailable", "Storage is unavailable, please retry");
    });

    const result = await handler(event);

    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body ?? "")).toEqual({
      code: "unavailable",
      message: "Storage is unavailable, please retry",
    });
  });

  describe("a base64-encoded body", () => {
    const handler = http({ body: v.object({ text: v.string() }) }, async ({ body }) => ({
      status: 200,
      body,
    }));
    const post = (body: string) =>
      handler({ ...httpEvent({ routeKey: "POST /echo", path: "/echo" }), body, isBase64Encoded: true });

    it("is refused with 413 from its encoded length, before it is decoded", async () => {
      // Not one valid base64 character: decoded it would be empty (invalid_json), so only the length can say 413.
      const result = await post("!".repeat(Math.ceil(Limits.maxBodyBytes / 3) * 4 + 4));

      expect(result.statusCode).toBe(413);
      expect(JSON.parse(result.body ?? "")).toMatchObject({ code: "payload_too_large" });
    });

    it("is decoded and parsed when it fits", async () => {
      const text = "x".repeat(Limits.maxBodyBytes - 20);
      const result = await post(Buffer.from(JSON.stringify({ text })).toString("base64"));

      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body ?? "")).toEqual({ text });
    });
  });
});
