import * as Types from "@chat/types";
import { ErrorStatus, GetMessagesQuery, Limits } from "@chat/types";
import { type JsonSchema, toJsonSchemaDefs } from "@valibot/to-json-schema";
import type * as v from "valibot";
import pkg from "../../package.json" with { type: "json" };
import type { httpRoutes } from "../routes";

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
  PongFrame: Types.PongFrame,
  AckFrame: Types.AckFrame,
  SubscribedFrame: Types.SubscribedFrame,
  UnsubscribedFrame: Types.UnsubscribedFrame,
  TypingNoticeFrame: Types.TypingNoticeFrame,
  PresenceFrame: Types.PresenceFrame,
  ErrorFrame: Types.ErrorFrame,
  Member: Types.Member,
  MembersResponse: Types.MembersResponse,
  RoomId: Types.RoomId,
  UserId: Types.UserId,
  Username: Types.Username,
  MessageText: Types.MessageText,
  ClientMessageId: Types.ClientMessageId,
  MessageId: Types.MessageId,
  Timestamp: Types.Timestamp,
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
  MessageText: {
    type: "string",
    minLength: 1,
    maxLength: Limits.textMaxLength,
    description:
      `Trimmed, then 1–${Limits.textMaxLength} ${codePoints}; no control characters except \\n and \\t, no lone ` +
      "surrogates. Stored as is: render it as text, never as HTML.",
    examples: ["hello, room"],
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

const componentSchemas = (): Record<string, JsonSchema> => {
  const described = new Set(
    Object.keys(fields).flatMap((name) => actionsOf(schemas[name as keyof typeof schemas])),
  );
  const dropped: string[] = [];
  const converted = toJsonSchemaDefs(schemas, {
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
    throw new Error(`Schemas outside \`fields\` that JSON Schema cannot express:\n${dropped.join("\n")}`);
  }
  return { ...converted, ...fields } as Record<string, JsonSchema>;
};

const json = (schema: object, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const errorsOf = (...codes: (keyof typeof ErrorStatus)[]) => {
  const byStatus = new Map<number, string[]>();
  for (const code of codes)
    byStatus.set(ErrorStatus[code], [...(byStatus.get(ErrorStatus[code]) ?? []), code]);
  return {
    ...Object.fromEntries(
      [...byStatus].map(([status, list]) => [String(status), json(ref("ErrorResponse"), list.join(" or "))]),
    ),
    default: json(ref("ErrorResponse"), "Any other error (e.g. not_found for an unknown route, internal)"),
  };
};

const roomIdParameter = { name: "roomId", in: "path", required: true, schema: ref("RoomId") };
const idempotencyHours = Limits.idempotencyTtlSeconds / 3600;

/** One operation per route of the route table but `$default`: a new route fails type-checking until it is here. */
const operations = {
  "GET /health": {
    operationId: "health",
    summary: "Health, stage and version",
    responses: { "200": json(ref("HealthResponse"), "The API is up"), ...errorsOf("internal") },
  },
  "GET /rooms": {
    operationId: "listRooms",
    summary: "Every room",
    responses: {
      "200": json(ref("ListRoomsResponse"), "The rooms"),
      ...errorsOf("unavailable", "rate_limited"),
    },
  },
  "POST /rooms/{roomId}/messages": {
    operationId: "sendMessage",
    summary: "Post a message to a room",
    description:
      `A \`clientMessageId\` makes the send idempotent for ${idempotencyHours} hours per (roomId, userId, ` +
      "clientMessageId): a repeat answers 200 with the first message and stores nothing new, so retry freely. " +
      `Bodies over ${Limits.maxBodyBytes} bytes get 413; unknown body fields are refused.`,
    parameters: [roomIdParameter],
    requestBody: { required: true, content: { "application/json": { schema: ref("SendMessageRequest") } } },
    responses: {
      "201": json(ref("SendMessageResponse"), "Stored and pushed to the room"),
      "200": json(
        ref("SendMessageResponse"),
        "An idempotent replay: the first message with this clientMessageId",
      ),
      ...errorsOf("invalid_json", "validation_failed", "payload_too_large", "rate_limited", "unavailable"),
    },
  },
  "GET /rooms/{roomId}/messages": {
    operationId: "getMessages",
    summary: "A page of a room's messages, oldest first",
    description:
      "Without `after`: the newest `limit` messages (older than `before` if given); `hasMore` says whether older " +
      "ones exist. With `after`: the oldest `limit` messages newer than it (reconnect catch-up); `hasMore` says " +
      "whether newer ones exist. An unknown room reads as empty.",
    parameters: [
      roomIdParameter,
      {
        name: "limit",
        in: "query",
        schema: {
          type: "integer",
          minimum: 1,
          maximum: Limits.historyMaxLimit,
          default: Limits.historyDefaultLimit,
        },
      },
      {
        name: "before",
        in: "query",
        description: "Page back from this id; not with `after`",
        schema: ref("MessageId"),
      },
      {
        name: "after",
        in: "query",
        description: "Read forward from this id; not with `before`",
        schema: ref("MessageId"),
      },
    ],
    responses: {
      "200": json(ref("GetMessagesResponse"), "The page"),
      ...errorsOf("validation_failed", "rate_limited", "unavailable"),
    },
  },
  "GET /rooms/{roomId}/members": {
    operationId: "listMembers",
    summary: "Who is in a room now",
    description: "One entry per user with at least one WebSocket connection subscribed to the room.",
    parameters: [roomIdParameter],
    responses: {
      "200": json(ref("MembersResponse"), "The members"),
      ...errorsOf("validation_failed", "unavailable"),
    },
  },
  "GET /openapi.json": {
    operationId: "openApi",
    summary: "This document",
    responses: { "200": json({ type: "object" }, "The OpenAPI 3.1 document of the API") },
  },
} satisfies Record<Exclude<keyof typeof httpRoutes, "$default">, object>;

/** The names of `GET /rooms/{roomId}/messages`'s query parameters, as `GetMessagesQuery` reads them. */
export const historyQueryNames = Object.keys(GetMessagesQuery.pipe[0].entries);

/** Builds the document. */
export const openApiDocument = () => {
  const paths: Record<string, Record<string, object>> = {};
  for (const [routeKey, operation] of Object.entries(operations)) {
    const [method = "", path = ""] = routeKey.split(" ");
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Chat API",
      version: pkg.version,
      summary: "Post and read messages in rooms over HTTP; get each new message pushed over a WebSocket.",
      description:
        "Every body is JSON and every error an `ErrorResponse`. Locally the HTTP API is http://127.0.0.1:3000 and " +
        "the WebSocket API ws://127.0.0.1:3001; on AWS, the stage's API Gateway URLs. The WebSocket API is " +
        "described under `x-websocket` with the same schemas.",
    },
    paths,
    components: { schemas: componentSchemas() },
    "x-websocket": {
      description:
        "Connect with the query below (plus `token` when the stage requires tokens); a bad query refuses the " +
        "handshake with 400 and an ErrorResponse body, a bad token with 401. The query's room is the first of up to " +
        `${Limits.roomsPerConnection} subscriptions (subscribe / unsubscribe frames). ` +
        "Frames are JSON text. Every message stored in the room is pushed as a MessageFrame, in id order, at least " +
        "once: dedup by `message.id`. API Gateway closes connections idle for 10 minutes and every connection " +
        "after 2 hours: ping, reconnect, then catch up with GET /rooms/{roomId}/messages?after=<last id seen>. " +
        `Frames over ${Limits.maxBodyBytes} bytes get a payload_too_large error frame; the connection stays open.`,
      query: ref("ConnectQuery"),
      clientFrames: ref("ClientFrame"),
      serverFrames: ref("ServerFrame"),
    },
  };
};
