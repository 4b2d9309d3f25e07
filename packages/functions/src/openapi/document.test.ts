import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { httpEvent } from "../../test/events";
import { handler } from "../http/openapi";
import { httpRoutes } from "../routes";
import { historyQueryNames, openApiDocument } from "./document";

const committed = JSON.parse(readFileSync(new URL("./openapi.json", import.meta.url), "utf8")) as ReturnType<
  typeof openApiDocument
>;

/** Every `$ref` anywhere in a JSON value. */
const refsIn = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === "$ref" && typeof inner === "string" ? [inner] : refsIn(inner),
  );
};

describe("the OpenAPI document", () => {
  it("is committed as the schemas and routes generate it (run `pnpm --filter @chat/functions openapi`)", () => {
    const generated = openApiDocument();

    expect(committed).toEqual(generated);
  });

  it("documents exactly the HTTP routes of the route table", () => {
    const documented = Object.entries(committed.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routed = Object.keys(httpRoutes).filter((routeKey) => routeKey !== "$default");

    expect(documented.sort()).toEqual(routed.sort());
  });

  it("documents the query parameters GetMessagesQuery reads", () => {
    const operation = committed.paths["/rooms/{roomId}/messages"]?.get as {
      parameters: { name: string; in: string }[];
    };

    const names = operation.parameters
      .filter((parameter) => parameter.in === "query")
      .map(({ name }) => name);

    expect(names.sort()).toEqual([...historyQueryNames].sort());
  });

  it("defines every schema it refers to", () => {
    const defined = Object.keys(committed.components.schemas).map((name) => `#/components/schemas/${name}`);

    const undefinedRefs = refsIn(committed).filter((ref) => !defined.includes(ref));

    expect(undefinedRefs).toEqual([]);
    expect(refsIn(committed).length).toBeGreaterThan(40);
  });

  it("documents the WebSocket handshake and both directions of frames from the same schemas", () => {
    const frames = committed.components.schemas;

    expect(committed["x-websocket"]).toMatchObject({
      query: { $ref: "#/components/schemas/ConnectQuery" },
      clientFrames: { $ref: "#/components/schemas/ClientFrame" },
      serverFrames: { $ref: "#/components/schemas/ServerFrame" },
    });
    expect(refsIn(frames.ServerFrame)).toEqual([
      "#/components/schemas/MessageFrame",
      "#/components/schemas/PongFrame",
      "#/components/schemas/AckFrame",
      "#/components/schemas/SubscribedFrame",
      "#/components/schemas/UnsubscribedFrame",
      "#/components/schemas/TypingNoticeFrame",
      "#/components/schemas/PresenceFrame",
      "#/components/schemas/ErrorFrame",
    ]);
    expect(refsIn(frames.ClientFrame)).toEqual([
      "#/components/schemas/PingFrame",
      "#/components/schemas/SendFrame",
      "#/components/schemas/SubscribeFrame",
      "#/components/schemas/UnsubscribeFrame",
      "#/components/schemas/TypingFrame",
    ]);
    expect(frames.PingFrame).toEqual({
      type: "object",
      properties: { type: { const: "ping" } },
      required: ["type"],
      additionalProperties: false,
    });
  });

  it("carries the limits of the contract on the fields JSON Schema cannot derive", () => {
    const { MessageText, Username, RoomId } = committed.components.schemas;

    expect(MessageText).toMatchObject({ type: "string", minLength: 1, maxLength: 500 });
    expect(Username).toMatchObject({ type: "string", minLength: 1, maxLength: 50 });
    expect(RoomId).toMatchObject({ pattern: "^[a-z0-9][a-z0-9_-]{0,63}$" });
  });
});

describe("GET /openapi.json", () => {
  it("answers the committed document as JSON", async () => {
    const event = httpEvent({ routeKey: "GET /openapi.json", path: "/openapi.json" });

    const result = await handler(event);

    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({ "content-type": "application/json; charset=utf-8" });
    expect(JSON.parse(result.body ?? "")).toEqual(committed);
  });
});
