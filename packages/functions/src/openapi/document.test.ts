import { readFileSync } from "node:fs";
import * as Types from "@chat/types";
import { ErrorStatus, GetMessagesQuery, RoomPath } from "@chat/types";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import repository from "../../../../package.json" with { type: "json" };
import { httpEvent } from "../../test/events";
import { handler } from "../http/openapi";
import { httpRoutes, publicHttpRoutes } from "../routes";
import { bearerScheme, declaredOperations, openApiDocument, operationOf } from "./document";

type Document = Awaited<ReturnType<typeof openApiDocument>>;

const committed = JSON.parse(readFileSync(new URL("./openapi.json", import.meta.url), "utf8")) as Document;

interface DocumentedOperation {
  operationId: string;
  parameters?: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: { "application/json": { schema: unknown } } };
  responses: Record<string, { content: { "application/json": { schema: unknown } } }>;
}

/** The committed document's operation for a route key such as `GET /rooms`. */
const documented = (routeKey: string) => {
  const [method = "", path = ""] = routeKey.split(" ");
  return committed.paths[path]?.[method.toLowerCase()] as DocumentedOperation;
};

/** The name `@chat/types` exports a schema under. */
const typeName = (schema: unknown) => Object.entries(Types).find(([, value]) => value === schema)?.[0];

const schemaRef = (name: string | undefined) => ({ $ref: `#/components/schemas/${name}` });

/** Every `$ref` anywhere in a JSON value. */
const refsIn = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === "$ref" && typeof inner === "string" ? [inner] : refsIn(inner),
  );
};

describe("the OpenAPI document", () => {
  it("is committed as the schemas and routes generate it (run `pnpm --filter @chat/functions openapi`)", async () => {
    const generated = await openApiDocument();

    expect(committed).toEqual(generated);
  });

  it("documents exactly the HTTP routes of the route table", () => {
    const documented = Object.entries(committed.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routed = Object.keys(httpRoutes).filter((routeKey) => routeKey !== "$default");

    expect(documented.sort()).toEqual(routed.sort());
  });

  it("takes each route's body and success replies from the operation its handler module declares", async () => {
    const operations = await declaredOperations();

    for (const { routeKey, operation } of operations) {
      const { operationId, requestBody, responses } = documented(routeKey);
      const successes = Object.entries(operation.responses).map(([status, { schema }]) => [
        status,
        typeName(schema) ? schemaRef(typeName(schema)) : expect.objectContaining({ type: "object" }),
      ]);

      expect(operationId).toBe(operation.operationId);
      expect(requestBody?.content["application/json"].schema).toEqual(
        operation.body && schemaRef(typeName(operation.body)),
      );
      expect(Object.entries(responses).filter(([status]) => Number(status) < 400)).toEqual(
        successes.map(([status, schema]) => [
          status,
          // 204 No Content has no body.
          status === "204"
            ? { description: expect.any(String) }
            : { description: expect.any(String), content: { "application/json": { schema } } },
        ]),
      );
    }
    expect(operations.map(({ routeKey }) => routeKey)).toContain("POST /rooms/{roomId}/messages");
    expect(
      documented("POST /rooms/{roomId}/messages").requestBody?.content["application/json"].schema,
    ).toEqual(schemaRef("SendMessageRequest"));
  });

  it("lists the errors a route can answer under their statuses: its own, the edge's, 401 where a token is needed, 429", async () => {
    for (const { routeKey, operation } of await declaredOperations()) {
      const codes = [
        ...(operation.errors ?? []),
        ...(operation.params || operation.query || operation.body ? ["validation_failed" as const] : []),
        ...(operation.body ? (["invalid_json", "payload_too_large"] as const) : []),
        ...(publicHttpRoutes.includes(routeKey) ? [] : ["unauthorized" as const]),
      ];
      const { responses } = documented(routeKey);

      const errorStatuses = Object.keys(responses).filter(
        (status) => status === "default" || Number(status) >= 400,
      );

      expect(errorStatuses.sort()).toEqual(
        [...new Set([...codes.map((code) => String(ErrorStatus[code])), "429"]), "default"].sort(),
      );
      expect(Object.keys(responses).some((status) => /^4\d\d$/.test(status))).toBe(true);
    }
    expect(documented("GET /health").responses).not.toHaveProperty("401");
    expect(documented("POST /rooms/{roomId}/messages").responses).toHaveProperty("403");
    expect(documented("POST /rooms").responses).toHaveProperty("413");
  });

  it("answers 429 everywhere: the route's own rate_limited where it has one, else only the stage throttle", () => {
    const throttle = { type: "object", properties: { message: { const: "Too Many Requests" } } };

    expect(documented("GET /health").responses["429"]).toEqual({ $ref: "#/components/responses/Throttled" });
    expect(committed.components.responses.Throttled.content["application/json"].schema).toEqual(
      schemaRef("GatewayThrottled"),
    );
    expect(committed.components.schemas.GatewayThrottled).toMatchObject(throttle);
    expect(
      documented("POST /rooms/{roomId}/messages").responses["429"]?.content["application/json"].schema,
    ).toEqual({
      anyOf: [schemaRef("ErrorResponse"), schemaRef("GatewayThrottled")],
    });
    expect(documented("GET /health").responses.default).toEqual({ $ref: "#/components/responses/Error" });
  });

  it("requires the bearer JWT scheme, declared once, on exactly the routes the route table protects", () => {
    const { securitySchemes } = committed.components;
    const protectedRoutes = Object.keys(httpRoutes).filter(
      (routeKey) =>
        routeKey !== "$default" && !publicHttpRoutes.includes(routeKey as keyof typeof httpRoutes),
    );
    const secured = Object.keys(httpRoutes)
      .filter((routeKey) => routeKey !== "$default")
      .filter((routeKey) => (documented(routeKey) as { security?: unknown[] }).security?.length);

    expect(Object.keys(securitySchemes)).toEqual([bearerScheme]);
    expect(securitySchemes[bearerScheme]).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
    expect(secured.sort()).toEqual(protectedRoutes.sort());
    for (const routeKey of protectedRoutes) {
      expect((documented(routeKey) as { security?: unknown }).security).toEqual([{ [bearerScheme]: [] }]);
    }
    expect((documented("GET /health") as { security?: unknown }).security).toEqual([]);
  });

  it("names the local stack and a stage URL template as servers, the repository's license, and a tag per operation", () => {
    const { servers, info, tags } = committed;
    const tagged = Object.keys(httpRoutes)
      .filter((routeKey) => routeKey !== "$default")
      .map((routeKey) => (documented(routeKey) as { tags?: string[] }).tags ?? []);

    expect(servers[0]?.url).toBe("http://127.0.0.1:3000");
    expect(servers[1]).toMatchObject({
      url: "https://{apiId}.execute-api.{region}.amazonaws.com",
      variables: { apiId: { default: expect.any(String) }, region: { default: "us-east-1" } },
    });
    expect(info.license).toEqual({ name: repository.license, identifier: repository.license });
    for (const operationTags of tagged) {
      expect(operationTags).toHaveLength(1);
      expect(tags.map(({ name }) => name)).toContain(operationTags[0]);
    }
    expect(documented("GET /rooms/{roomId}/messages")).toMatchObject({ tags: ["rooms"] });
  });

  it("documents the path and query parameters the handlers' schemas read, with the default the handler applies", () => {
    const { parameters = [] } = documented("GET /rooms/{roomId}/messages");
    const byName = Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter]));

    expect(parameters.map(({ name, in: where }) => `${where} ${name}`).sort()).toEqual(
      [
        ...Object.keys(RoomPath.entries).map((name) => `path ${name}`),
        ...Object.keys(GetMessagesQuery.pipe[0].entries).map((name) => `query ${name}`),
      ].sort(),
    );
    expect(byName.roomId).toMatchObject({ required: true, schema: schemaRef("RoomId") });
    expect(byName.limit?.schema).toEqual({
      type: "integer",
      minimum: 1,
      maximum: 100,
      default: v.parse(GetMessagesQuery, {}).limit,
    });
    expect(byName.before).toMatchObject({
      schema: schemaRef("MessageId"),
      description: expect.stringContaining("after"),
    });
    expect(byName.before).not.toHaveProperty("required");
  });

  it("converts a declaration's unnamed schemas in place and refuses one JSON Schema cannot express", () => {
    const declared = {
      operationId: "example",
      summary: "An example",
      query: v.object({ page: v.optional(v.pipe(v.string(), v.regex(/^\d+$/)), "1") }),
      responses: { 200: { schema: v.object({ ok: v.boolean() }), description: "Fine" } },
    };
    const unexpressible = {
      ...declared,
      query: v.object({ page: v.pipe(v.string(), v.transform(Number)) }),
    };

    const operation = operationOf("GET /health", declared);

    expect(operation.parameters).toEqual([
      { name: "page", in: "query", schema: { type: "string", pattern: "^\\d+$", default: "1" } },
    ]);
    expect(operation.responses).toMatchObject({
      200: { content: { "application/json": { schema: { type: "object", required: ["ok"] } } } },
    });
    expect(() => operationOf("GET /health", unexpressible)).toThrow(/cannot express.*:\ntransform/);
  });

  it("defines every schema it refers to", () => {
    const defined = [
      ...Object.keys(committed.components.schemas).map((name) => `#/components/schemas/${name}`),
      ...Object.keys(committed.components.responses).map((name) => `#/components/responses/${name}`),
    ];

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
      "#/components/schemas/MessageUpdatedFrame",
      "#/components/schemas/MessageDeletedFrame",
      "#/components/schemas/ReactionFrame",
      "#/components/schemas/PongFrame",
      "#/components/schemas/AckFrame",
      "#/components/schemas/SubscribedFrame",
      "#/components/schemas/UnsubscribedFrame",
      "#/components/schemas/TypingNoticeFrame",
      "#/components/schemas/PresenceFrame",
      "#/components/schemas/MemberFrame",
      "#/components/schemas/ReadFrame",
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

  it("writes the handshake and every frame of both directions into info.description, where viewers show them", () => {
    const { description } = committed.info;
    const section = (heading: string) => description.split(`### ${heading}`)[1]?.split("\n### ")[0] ?? "";
    const typesOf = (
      union: v.VariantSchema<
        "type",
        v.ObjectSchema<{ type: v.LiteralSchema<string, undefined> }, undefined>[],
        undefined
      >,
    ) => union.options.map((frame) => frame.entries.type.literal);

    expect(description).toContain("## WebSocket API");
    expect(section("Handshake")).toContain('| `roomId` | RoomId | optional, default "general" |');
    for (const type of typesOf(Types.ClientFrame as never)) {
      expect(section("Frames from the client")).toContain(`#### ${type}\n`);
    }
    for (const type of typesOf(Types.ServerFrame as never)) {
      expect(section("Frames from the server")).toContain(`#### ${type}\n`);
    }
    expect(section("Frames from the client")).toContain("| `text` | MessageText | required |");
    expect(section("Frames from the server")).toContain('| `event` | "join" \\| "leave" | required |');
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
