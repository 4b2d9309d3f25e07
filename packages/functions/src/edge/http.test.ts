import { AppError } from "@chat/core";
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
});
