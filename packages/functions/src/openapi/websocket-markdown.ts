import type { JsonSchema } from "@valibot/to-json-schema";

/**
 * The WebSocket API as Markdown, for the document's `info.description`: viewers of OpenAPI documents show no
 * extension such as `x-websocket`, so the handshake query and every frame of both directions are written out from
 * the same converted schemas. A frame added to `ClientFrame` or `ServerFrame` shows up here by itself.
 */

type Schemas = Readonly<Record<string, JsonSchema>>;

interface ObjectSchema {
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

/** What each frame is for, by schema name; a frame without an entry is listed with its fields only. */
const purposes: Readonly<Record<string, string>> = {
  PingFrame: "Keeps the connection alive and measures round trips: answered with `pong`.",
  SendFrame:
    "Sends a message as the connection's user, like `POST /rooms/{roomId}/messages`: answered with `ack`.",
  SubscribeFrame: "Starts receiving a room's messages, typing and presence: answered with `subscribed`.",
  UnsubscribeFrame: "Stops receiving a room: answered with `unsubscribed`.",
  TypingFrame: "“I am typing” in a subscribed room: relayed to its other connections, not stored, throttled.",
  MessageFrame:
    "A new message in one of the connection's rooms (at least once, in id order: dedup by `message.id`).",
  PongFrame: "The answer to `ping`.",
  AckFrame: "A `send` was stored (or was a repeat: `message` is then the first one).",
  SubscribedFrame: "The answer to `subscribe`.",
  UnsubscribedFrame:
    "The connection no longer receives the room: the answer to `unsubscribe`, or with a `reason` (left, removed, banned).",
  TypingNoticeFrame: "Someone else in the room is typing.",
  PresenceFrame: "A user's first connection joined the room, or their last one left it.",
  MemberFrame: "The room's membership changed (rooms of up to 100 connections).",
  ErrorFrame: "A frame was refused; the connection stays open.",
};

const refName = (ref: string) => ref.slice(ref.lastIndexOf("/") + 1);

/** A short type for a field: a schema's name, a literal, a union, an array. */
export const typeOf = (schema: JsonSchema | undefined): string => {
  if (typeof schema !== "object" || schema === null) return "any";
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === "string") return refName(s.$ref);
  if ("const" in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((value) => JSON.stringify(value)).join(" \\| ");
  const union = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(union)) return union.map(typeOf).join(" \\| ");
  if (s.type === "array") return `${typeOf(s.items as JsonSchema)}[]`;
  if (Array.isArray(s.type)) return s.type.join(" \\| ");
  return typeof s.type === "string" ? s.type : "object";
};

const fieldsTable = (schema: ObjectSchema, skip: readonly string[] = []) => {
  const rows = Object.entries(schema.properties ?? {})
    .filter(([name]) => !skip.includes(name))
    .map(([name, field]) => {
      const fallback = (field as { default?: unknown }).default;
      const notes = [
        schema.required?.includes(name) ? "required" : "optional",
        ...(fallback === undefined ? [] : [`default ${JSON.stringify(fallback)}`]),
      ];
      return `| \`${name}\` | ${typeOf(field)} | ${notes.join(", ")} |`;
    });
  return rows.length === 0 ? "" : ["| field | type | |", "| --- | --- | --- |", ...rows].join("\n");
};

/** The frames of a union such as `ServerFrame`, each as a heading (its `type`), what it is for, and its fields. */
const framesOf = (schemas: Schemas, union: string) => {
  const variants = ((schemas[union] as { oneOf?: { $ref: string }[] }).oneOf ?? []).map(({ $ref }) =>
    refName($ref),
  );
  return variants.map((name) => {
    const frame = schemas[name] as ObjectSchema;
    const type = typeOf(frame.properties?.type);
    return [`#### ${type.replaceAll('"', "")}`, purposes[name] ?? "", fieldsTable(frame, ["type"])]
      .filter(Boolean)
      .join("\n\n");
  });
};

/** The Markdown section: the handshake, then the client's frames and the server's. */
export const websocketMarkdown = (description: string, schemas: Schemas) =>
  [
    "## WebSocket API",
    description,
    "### Handshake",
    "`ws://127.0.0.1:3001/?roomId=general&userId=u1&username=alice` locally (port: `CHAT_WS_PORT`); on AWS the " +
      "stage's WebSocket API URL (the SST output `ws`). With token auth add `token=<JWT>`; `userId` and " +
      "`username` may then be left out. Query parameters:",
    fieldsTable(schemas.ConnectQuery as ObjectSchema),
    "### Frames from the client",
    'Each a JSON text frame with a `type`, e.g. `{"type":"subscribe","roomId":"random"}`.',
    ...framesOf(schemas, "ClientFrame"),
    "### Frames from the server",
    ...framesOf(schemas, "ServerFrame"),
  ].join("\n\n");
