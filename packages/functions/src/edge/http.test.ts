import { AppError } from "@chat/core";
import { HealthResponse, Limits, RoomPath } from "@chat/types";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { httpEvent } from "../../test/events";
import { http } from "./http";

const event = httpEvent({ routeKey: "GET /boom", path: "/boom" });

describe("the HTTP edge", () => {
  it("answers an unexpected error with a bare 500 internal that leaks nothing", async () => {
    const handler = http({ responses: {} }, async () => {
      throw new Error("secret table name and stack");
    });

    const result = await handler(event);

    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body ?? "")).toEqual({ code: "internal", message: "Internal error" });
    expect(result.headers?.["x-request-id"]).toBe(event.requestContext.requestId);
  });

  it("answers an AppError with the status of its code", async () => {
    const handler = http({ responses: {} }, async () => {
      throw new AppError("unavailable", "Storage is unavailable, please retry");
    });

    const result = await handler(event);

    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body ?? "")).toEqual({
      code: "unavailable",
      message: "Storage is unavailable, please retry",
    });
  });

  it("validates the path with the operation's schema and answers one of its declared replies", async () => {
    const operation = {
      params: RoomPath,
      responses: { 200: { schema: RoomPath, description: "The room" } },
    } as const;
    const handler = http(operation, async ({ params }) => ({ status: 200, body: { roomId: params.roomId } }));

    const good = await handler({ ...event, pathParameters: { roomId: "General" } });
    const bad = await handler({ ...event, pathParameters: { roomId: "-bad" } });

    expect([good.statusCode, JSON.parse(good.body ?? "")]).toEqual([200, { roomId: "general" }]);
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body ?? "")).toMatchObject({
      code: "validation_failed",
      details: [{ path: "roomId" }],
    });
  });

  it("types a route's reply against the statuses and schemas its operation declares", () => {
    const operation = {
      responses: { 200: { schema: HealthResponse, description: "Up" } },
    } as const;
    const body = { status: "ok", version: "1", stage: "test", timestamp: new Date().toISOString() } as const;

    // These are checked by `pnpm typecheck`: each line fails to compile without its directive.
    // @ts-expect-error 201 is not a status the operation declares
    http(operation, async () => ({ status: 201, body }));
    // @ts-expect-error the body misses the schema's `timestamp`
    http(operation, async () => ({ status: 200, body: { status: "ok", version: "1", stage: "test" } }));
    // An operation without a body schema has no body to read.
    // @ts-expect-error `request` is undefined
    http(operation, async ({ body: request }) => ({ status: 200, body: { ...body, ...request } }));
    const typed = http(operation, async () => ({ status: 200, body }));

    expect(typed).toBeTypeOf("function");
  });

  describe("a base64-encoded body", () => {
    const Echo = v.object({ text: v.string() });
    const operation = { body: Echo, responses: { 200: { schema: Echo, description: "The body" } } } as const;
    const handler = http(operation, async ({ body }) => ({ status: 200, body }));
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
