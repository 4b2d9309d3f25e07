import * as Types from "@chat/types";
import { type ErrorCode, ErrorStatus, GetMessagesQuery, Limits, PageQuery } from "@chat/types";
import { type JsonSchema, toJsonSchemaDefs } from "@valibot/to-json-schema";
import * as v from "valibot";
import repository from "../../../../package.json" with { type: "json" };
import pkg from "../../package.json" with { type: "json" };
import type { Operation } from "../edge/http";
import { httpRoutes, publicHttpRoutes } from "../routes";
import { websocketMarkdown } from "./websocket-markdown";

/**
 * The OpenAPI 3.1 document of the HTTP API, with the WebSocket handshake and frames under `x-websocket`, generated
 * from the @chat/types schemas. `pnpm --filter @chat/functions openapi` writes it to `openapi.json`, which
 * `GET /openapi.json` serves; a test fails when that file is stale or its paths differ from the route table.
 */

/** Every schema of the wire that the document names, under the name it has in @chat/types. */
const schemas = {
  ChatMessage: Types.ChatMessage,
  SendMessageRequest: Types.SendMessageRequest,
  SendMessageResponse: Types.SendMessageResponse,
  ReactionCount: Types.ReactionCount,
  EditMessageRequest: Types.EditMessageRequest,
  MessageResponse: Types.MessageResponse,
  ReactionUser: Types.ReactionUser,
  ReactionUsersResponse: Types.ReactionUsersResponse,
  GetMessagesResponse: Types.GetMessagesResponse,
  ListRoomsResponse: Types.ListRoomsResponse,
  Room: Types.Room,
  HealthResponse: Types.HealthResponse,
  ErrorResponse: Types.ErrorResponse,
  ErrorIssue: Types.ErrorIssue,
  ConnectQuery: Types.ConnectQuery,
  ClientFrame: Types.ClientFrame,
  PingFrame: Types.PingFrame,
  SendFrame: Types.SendFrame,
  SubscribeFrame: Types.SubscribeFrame,
  UnsubscribeFrame: Types.UnsubscribeFrame,
  TypingFrame: Types.TypingFrame,
  ServerFrame: Types.ServerFrame,
  MessageFrame: Types.MessageFrame,
  MessageUpdatedFrame: Types.MessageUpdatedFrame,
  MessageDeletedFrame: Types.MessageDeletedFrame,
  ReactionFrame: Types.ReactionFrame,
  PongFrame: Types.PongFrame,
  AckFrame: Types.AckFrame,
  SubscribedFrame: Types.SubscribedFrame,
  UnsubscribedFrame: Types.UnsubscribedFrame,
  TypingNoticeFrame: Types.TypingNoticeFrame,
  PresenceFrame: Types.PresenceFrame,
  MemberFrame: Types.MemberFrame,
  ReadFrame: Types.ReadFrame,
  ErrorFrame: Types.ErrorFrame,
  Member: Types.Member,
  MembersResponse: Types.MembersResponse,
  MemberResponse: Types.MemberResponse,
  PutMemberRequest: Types.PutMemberRequest,
  Role: Types.Role,
  RoomKind: Types.RoomKind,
  RoomName: Types.RoomName,
  CreateRoomRequest: Types.CreateRoomRequest,
  UpdateRoomRequest: Types.UpdateRoomRequest,
  SlowModeSeconds: Types.SlowModeSeconds,
  RoomResponse: Types.RoomResponse,
  GetRoomResponse: Types.GetRoomResponse,
  MyRoom: Types.MyRoom,
  MyRoomsResponse: Types.MyRoomsResponse,
  PresentUser: Types.PresentUser,
  PresenceResponse: Types.PresenceResponse,
  Ban: Types.Ban,
  BanReason: Types.BanReason,
  BanRequest: Types.BanRequest,
  BansResponse: Types.BansResponse,
  MuteRequest: Types.MuteRequest,
  GetRepliesResponse: Types.GetRepliesResponse,
  MarkReadRequest: Types.MarkReadRequest,
  MarkReadResponse: Types.MarkReadResponse,
  ReadReceipt: Types.ReadReceipt,
  ReadsResponse: Types.ReadsResponse,
  RoomId: Types.RoomId,
  UserId: Types.UserId,
  Username: Types.Username,
  MessageText: Types.MessageText,
  ClientMessageId: Types.ClientMessageId,
  MessageId: Types.MessageId,
  Emoji: Types.Emoji,
  Timestamp: Types.Timestamp,
  BlockedWord: Types.BlockedWord,
  BlocklistRequest: Types.BlocklistRequest,
  BlocklistResponse: Types.BlocklistResponse,
  PushSubscriptionRequest: Types.PushSubscriptionRequest,
  VapidPublicKeyResponse: Types.VapidPublicKeyResponse,
  PushPayload: Types.PushPayload,
} satisfies Record<string, v.GenericSchema>;

const codePoints = "characters (Unicode code points)";

/**
 * The fields whose rules JSON Schema cannot say by itself (normalising, counting code points, custom checks): each
 * is described here from the same `Limits`. Any other schema must convert as is, or the generation fails.
 */
const fields: Partial<Record<keyof typeof schemas, JsonSchema>> = {
  RoomId: {
    type: "string",
    pattern: Limits.roomIdPattern.source,
    description:
      "Lower-cased by the API, then 1–64 of a-z, 0-9, _ and -, starting with a letter or digit. " +
      "Rooms are created by their first message; `general` always exists.",
    examples: ["general"],
  },
  Username: {
    type: "string",
    minLength: 1,
    maxLength: Limits.usernameMaxLength,
    description: `Trimmed, then 1–${Limits.usernameMaxLength} ${codePoints}; no control characters.`,
    examples: ["alice"],
  },
  RoomName: {
    type: "string",
    minLength: 1,
    maxLength: Limits.roomNameMaxLength,
    description: `Trimmed, then 1–${Limits.roomNameMaxLength} ${codePoints}; no control characters.`,
    examples: ["Team A"],
  },
  UpdateRoomRequest: {
    type: "object",
    properties: {
      name: { $ref: "#/components/schemas/RoomName" },
      slowModeSeconds: { $ref: "#/components/schemas/SlowModeSeconds" },
    },
    additionalProperties: false,
    minProperties: 1,
    description: "At least one of the fields; nothing else.",
  },
  BanReason: {
    type: "string",
    minLength: 1,
    maxLength: Limits.banReasonMaxLength,
    description: `Trimmed, then 1–${Limits.banReasonMaxLength} ${codePoints}; no control characters.`,
    examples: ["spam"],
  },
  MessageText: {
    type: "string",
    minLength: 1,
    maxLength: Limits.textMaxLength,
    description:
      `Trimmed, then 1–${Limits.textMaxLength} ${codePoints}; no control characters except \\n and \\t, no lone ` +
      "surrogates. Stored as is: render it as text, never as HTML.",
    examples: ["hello, room"],
  },
  BlockedWord: {
    type: "string",
    minLength: 1,
    maxLength: Limits.blockedWordMaxLength,
    description:
      `Trimmed, then 1–${Limits.blockedWordMaxLength} ${codePoints}; no control characters. Matched as a whole ` +
      "word (or phrase), case-insensitively.",
    examples: ["spam"],
  },
  Emoji: {
    type: "string",
    minLength: 1,
    maxLength: Limits.emojiMaxLength,
    description:
      `1–${Limits.emojiMaxLength} ${codePoints}, no whitespace or control characters (URL-encoded in a path). ` +
      `At most ${Limits.reactionsPerMessage} distinct per message and ${Limits.reactionsPerUserPerMessage} per user per message.`,
    examples: ["👍", ":ship-it:"],
  },
  MessageId: {
    type: "string",
    pattern: "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$",
    description: "A ULID (upper case in answers): ids sort in time order.",
    examples: ["01M8A9B375Q68JH792N430VW33"],
  },
  Timestamp: {
    type: "string",
    format: "date-time",
    description: "ISO-8601 UTC with milliseconds and Z, as `Date.prototype.toISOString` writes it.",
    examples: ["2026-11-25T20:02:42.123Z"],
  },
};

/** The actions of a schema's pipe, nested pipes included. */
const actionsOf = (schema: unknown): unknown[] =>
  typeof schema === "object" && schema !== null && "pipe" in schema && Array.isArray(schema.pipe)
    ? schema.pipe.flatMap((item: { kind?: string }) => (item.kind === "schema" ? actionsOf(item) : [item]))
    : [];

const ref = (name: keyof typeof schemas) => ({ $ref: `#/components/schemas/${name}` });

const described = new Set(
  Object.keys(fields).flatMap((name) => actionsOf(schemas[name as keyof typeof schemas])),
);

/** Converts schemas to JSON Schema, each referring to the others by name; fails on what it cannot express. */
const convert = (definitions: Record<string, v.GenericSchema>) => {
  const dropped: string[] = [];
  const converted = toJsonSchemaDefs(definitions, {
    target: "draft-2020-12",
    overrideRef: ({ referenceId }) => ref(referenceId as keyof typeof schemas).$ref,
    overrideAction: ({ valibotAction, jsonSchema, errors }) => {
      if (!errors) return undefined;
      if (!described.has(valibotAction)) dropped.push(`${valibotAction.type}: ${errors.join(" ")}`);
      // Described by the field's entry in `fields`, which replaces this conversion.
      return jsonSchema;
    },
  });
  if (dropped.length > 0) {
    throw new Error(
      `Schemas that JSON Schema cannot express, described in neither \`fields\` nor \`parameterSchemas\`:\n${dropped.join("\n")}`,
    );
  }
  return converted;
};

const componentSchemas = (): Record<string, JsonSchema> =>
  ({ ...convert(schemas), ...fields }) as Record<string, JsonSchema>;

const json = (schema: object, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** The name a schema has in `schemas`, if it is one of them. */
const nameOf = (schema: v.GenericSchema) =>
  (Object.keys(schemas) as (keyof typeof schemas)[]).find((name) => schemas[name] === schema);

/** A schema as the document writes it: a reference when it is named, else converted in place. */
const schemaOf = (schema: v.GenericSchema): JsonSchema => {
  const name = nameOf(schema);
  return name ? ref(name) : (convert({ ...schemas, [inline]: schema })[inline] as JsonSchema);
};
const inline = "__inline";

const historyQuery = GetMessagesQuery.pipe[0].entries;
const pageQuery = PageQuery.entries;

/**
 * Parameter schemas that are not named and that JSON Schema cannot express by itself (read from strings and then
 * converted), described here from the same `Limits`.
 */
const parameterSchemas = new Map<unknown, JsonSchema>([
  [historyQuery.limit.wrapped, { type: "integer", minimum: 1, maximum: Limits.historyMaxLimit }],
  [historyQuery.before.wrapped, ref("MessageId")],
  [pageQuery.limit.wrapped, { type: "integer", minimum: 1, maximum: Limits.pageMaxLimit }],
]);

/** The entries of an object schema, or of the object schema a pipe starts with. */
const entriesOf = (schema: v.GenericSchema): Record<string, v.GenericSchema> => {
  const object = "pipe" in schema && Array.isArray(schema.pipe) ? schema.pipe[0] : schema;
  if (!("entries" in object)) throw new Error(`Parameters must be an object schema, not ${object.type}`);
  return object.entries as Record<string, v.GenericSchema>;
};

const parametersOf = (operation: Operation) =>
  (["params", "query"] as const).flatMap((where) => {
    const schema = operation[where];
    if (!schema) return [];
    return Object.entries(entriesOf(schema)).map(([name, entry]) => {
      const optional = entry.type === "optional";
      const inner = optional ? (entry as v.OptionalSchema<v.GenericSchema, unknown>).wrapped : entry;
      const fallback = optional
        ? v.getDefault(entry as v.OptionalSchema<v.GenericSchema, unknown>)
        : undefined;
      const written = parameterSchemas.get(inner) ?? schemaOf(inner);
      return {
        name,
        in: where === "params" ? "path" : "query",
        ...(!optional && { required: true }),
        ...(operation.parameters?.[name] && { description: operation.parameters[name] }),
        // The default as the handler reads it, e.g. `limit`'s "50" as the number 50.
        schema: fallback === undefined ? written : { ...written, default: v.parse(inner, fallback) },
      };
    });
  });

/** API Gateway's own answer when the stage's throttle refuses a request, before any handler runs. */
const GatewayThrottled = {
  type: "object",
  properties: { message: { const: "Too Many Requests" } },
  required: ["message"],
  description: "API Gateway's own body when the stage's throttle refuses a request (on AWS)",
};

/** Answers every operation can give, declared once and referred to. */
const sharedResponses = {
  Throttled: json({ $ref: "#/components/schemas/GatewayThrottled" }, "API Gateway's stage throttle (on AWS)"),
  Error: json(ref("ErrorResponse"), "Any other error (e.g. not_found for an unknown route, internal)"),
};
const sharedResponse = (name: keyof typeof sharedResponses) => ({ $ref: `#/components/responses/${name}` });

const errorsOf = (codes: readonly ErrorCode[]) => {
  const byStatus = new Map<number, string[]>();
  for (const code of codes)
    byStatus.set(ErrorStatus[code], [...(byStatus.get(ErrorStatus[code]) ?? []), code]);
  const limited = byStatus.delete(ErrorStatus.rate_limited);
  return {
    ...Object.fromEntries(
      [...byStatus].map(([status, list]) => [String(status), json(ref("ErrorResponse"), list.join(" or "))]),
    ),
    // Every route sits behind the stage's throttle; a route's own limit answers the contract's `rate_limited`.
    [ErrorStatus.rate_limited]: limited
      ? json(
          { anyOf: [ref("ErrorResponse"), { $ref: "#/components/schemas/GatewayThrottled" }] },
          "rate_limited (with retry-after), or API Gateway's stage throttle (on AWS)",
        )
      : sharedResponse("Throttled"),
    default: sharedResponse("Error"),
  };
};

/** The name of the bearer JWT scheme the protected routes require on stages with token auth. */
export const bearerScheme = "bearerJwt";

const securitySchemes = {
  [bearerScheme]: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "Stages with token auth (`auth: jwt`; locally `CHAT_AUTH=jwt pnpm dev`, a token: `pnpm mint-token <userId>`) " +
      "require a token with `sub` and `exp` on every route but the public ones; a missing or bad token is 401. " +
      "Stages without token auth ignore it (the caller is then the body's `userId` or the `x-user-id` header).",
  },
};

/** The tag of a path: its first segment (`/rooms/{roomId}/messages` is `rooms`). */
const tagOf = (path: string) => path.split("/")[1] ?? "";

const tagDescriptions: Record<string, string> = {
  health: "Whether the API is up",
  rooms: "Rooms, their messages, members, presence, bans and mutes",
  direct: "Direct rooms between two users",
  me: "The caller's own rooms",
  "openapi.json": "This document",
};

/**
 * The error codes a route can answer, from its declaration: its own `errors`, what the edge answers for what it
 * parses (a path or query: `validation_failed`; a JSON body: also `invalid_json` and `payload_too_large`), and
 * `unauthorized` on the routes that need a token (all but `publicHttpRoutes`).
 */
export const errorCodesOf = (routeKey: keyof typeof httpRoutes, operation: Operation): ErrorCode[] => {
  const codes = new Set<ErrorCode>(operation.errors);
  if (operation.params || operation.query || operation.body) codes.add("validation_failed");
  if (operation.body) {
    codes.add("invalid_json");
    codes.add("payload_too_large");
  }
  if (!publicHttpRoutes.includes(routeKey)) codes.add("unauthorized");
  return [...codes].sort((a, b) => ErrorStatus[a] - ErrorStatus[b]);
};

/**
 * An operation of the document from its handler's declaration: a public route (`publicHttpRoutes`) needs no token,
 * any other one the bearer scheme on stages with token auth.
 */
export const operationOf = (routeKey: keyof typeof httpRoutes, operation: Operation) => {
  const parameters = parametersOf(operation);
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description && { description: operation.description }),
    tags: [tagOf(routeKey.split(" ")[1] ?? "")],
    security: publicHttpRoutes.includes(routeKey) ? [] : [{ [bearerScheme]: [] }],
    ...(parameters.length > 0 && { parameters }),
    ...(operation.body && {
      requestBody: { required: true, content: { "application/json": { schema: schemaOf(operation.body) } } },
    }),
    responses: {
      ...Object.fromEntries(
        Object.entries(operation.responses).map(([status, { schema, description }]) => [
          status,
          // 204 No Content has no body to describe.
          status === "204" ? { description } : json(schemaOf(schema), description),
        ]),
      ),
      ...errorsOf(errorCodesOf(routeKey, operation)),
    },
  };
};

/** Every HTTP route of the route table but `$default`, with the operation its handler module declares. */
export const declaredOperations = async () => {
  const routes = Object.entries(httpRoutes).filter(([routeKey]) => routeKey !== "$default");
  return Promise.all(
    routes.map(async ([routeKey, module]) => {
      const { operation } = (await import(/* @vite-ignore */ `../${module}.ts`)) as { operation?: Operation };
      if (!operation?.operationId || !operation.summary) {
        throw new Error(
          `${module} must export the \`operation\` of ${routeKey}, with an operationId and summary`,
        );
      }
      return { routeKey: routeKey as keyof typeof httpRoutes, module, operation };
    }),
  );
};

const websocketDescription =
  "Connect with the query below (plus `token` when the stage requires tokens); a bad query refuses the " +
  "handshake with 400 and an ErrorResponse body, a bad token with 401. The query's room is the first of up to " +
  `${Limits.roomsPerConnection} subscriptions (subscribe / unsubscribe frames). ` +
  "Frames are JSON text. Every message stored in the room is pushed as a MessageFrame, in id order, at least " +
  "once: dedup by `message.id`. API Gateway closes connections idle for 10 minutes and every connection " +
  "after 2 hours: ping, reconnect, then catch up with `GET /rooms/{roomId}/messages?after=<last id seen>`. " +
  `Frames over ${Limits.maxBodyBytes} bytes get a payload_too_large error frame; the connection stays open.`;

/** Builds the document. */
export const openApiDocument = async () => {
  const paths: Record<string, Record<string, object>> = {};
  for (const { routeKey, operation } of await declaredOperations()) {
    const [method = "", path = ""] = routeKey.split(" ");
    paths[path] = { ...paths[path], [method.toLowerCase()]: operationOf(routeKey, operation) };
  }
  const components = componentSchemas();
  const tags = [...new Set(Object.keys(paths).map(tagOf))];
  return {
    openapi: "3.1.0",
    info: {
      title: "Chat API",
      version: pkg.version,
      summary: "Post and read messages in rooms over HTTP; get each new message pushed over a WebSocket.",
      description: [
        "Every body is JSON and every error an `ErrorResponse`. Locally the HTTP API is http://127.0.0.1:3000 and " +
          "the WebSocket API ws://127.0.0.1:3001; on AWS, the stage's API Gateway URLs. The WebSocket API is " +
          "described below, and under `x-websocket` with the same schemas.",
        websocketMarkdown(websocketDescription, components),
      ].join("\n\n"),
      license: { name: repository.license, identifier: repository.license },
    },
    servers: [
      { url: "http://127.0.0.1:3000", description: "The local stack (pnpm dev; its port: CHAT_HTTP_PORT)" },
      {
        url: "https://{apiId}.execute-api.{region}.amazonaws.com",
        description: "A stage on AWS: its HTTP API URL is the SST output api",
        variables: {
          apiId: { default: "abcdef1234", description: "The stage's API Gateway HTTP API id" },
          region: { default: "us-east-1", description: "The stage's AWS region" },
        },
      },
    ],
    tags: tags.map((name) => ({ name, description: tagDescriptions[name] ?? name })),
    paths,
    components: {
      schemas: { ...components, GatewayThrottled } as Record<string, JsonSchema>,
      responses: sharedResponses,
      securitySchemes,
    },
    "x-websocket": {
      description: websocketDescription,
      query: ref("ConnectQuery"),
      clientFrames: ref("ClientFrame"),
      serverFrames: ref("ServerFrame"),
    },
  };
};
