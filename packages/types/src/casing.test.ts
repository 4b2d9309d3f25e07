import * as v from "valibot";
import { describe, expect, it } from "vitest";
import * as Types from "./index";

/** A valibot schema seen from outside: its `type` says which of the other properties hold child schemas. */
interface SchemaNode {
  readonly kind: "schema";
  readonly type: string;
  readonly [property: string]: unknown;
}

/** One object key of the wire, and where it sits, e.g. `ServerFrame.error.details[].path`. */
interface WireKey {
  readonly key: string;
  readonly at: string;
}

const isSchemaNode = (value: unknown): value is SchemaNode =>
  typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "schema";

const objectTypes = new Set(["object", "strict_object", "loose_object"]);
const wrapperTypes = new Set([
  "optional",
  "exact_optional",
  "nullable",
  "nullish",
  "non_optional",
  "non_nullable",
]);
const choiceTypes = new Set(["variant", "union"]);
const leafTypes = new Set(["string", "number", "boolean", "literal", "picklist", "null", "undefined"]);

/**
 * Every object key reachable from a schema. Throws on anything it cannot look inside, so nothing is skipped
 * silently.
 */
function wireKeys(schema: unknown, at: string): WireKey[] {
  if (!isSchemaNode(schema)) throw new Error(`expected a schema at ${at}`);
  const { pipe } = schema;
  if (Array.isArray(pipe)) {
    // A piped schema copies its first item; the schemas in the pipe are where its shape lives.
    return pipe.filter(isSchemaNode).flatMap((item) => wireKeys(item, at));
  }
  if (objectTypes.has(schema.type)) {
    return Object.entries(schema.entries as Record<string, unknown>).flatMap(([key, entry]) => [
      { key, at: `${at}.${key}` },
      ...wireKeys(entry, `${at}.${key}`),
    ]);
  }
  if (choiceTypes.has(schema.type)) {
    return (schema.options as unknown[]).flatMap((option) => wireKeys(option, at));
  }
  if (schema.type === "array") return wireKeys(schema.item, `${at}[]`);
  if (wrapperTypes.has(schema.type)) return wireKeys(schema.wrapped, at);
  if (leafTypes.has(schema.type)) return [];
  throw new Error(`cannot look inside a ${schema.type} schema at ${at}`);
}

const camelCase = /^[a-z][a-zA-Z0-9]*$/;

const exports: Record<string, unknown> = { ...Types };
const exportedSchemas = Object.entries(exports).filter(([, value]) => isSchemaNode(value));
const found = exportedSchemas.flatMap(([name, schema]) => wireKeys(schema, name));

describe("JSON casing of the wire contract", () => {
  it("walks every exported schema of the package", () => {
    const names = exportedSchemas.map(([name]) => name);

    expect(names).toEqual(
      expect.arrayContaining([
        "ChatMessage",
        "SendMessageRequest",
        "SendMessageResponse",
        "GetMessagesQuery",
        "GetMessagesResponse",
        "ListRoomsResponse",
        "HealthResponse",
        "ErrorResponse",
        "ConnectQuery",
        "ClientFrame",
        "ServerFrame",
      ]),
    );
  });

  it("reaches keys inside pipes, arrays, variants and optional values", () => {
    const keys = new Set(found.map(({ key }) => key));
    const places = found.map(({ at }) => at);

    expect([...keys]).toEqual(
      expect.arrayContaining([
        "clientMessageId",
        "hasMore",
        "createdAt",
        "roomId",
        "details",
        "timestamp",
        "after",
      ]),
    );
    expect(places).toEqual(
      expect.arrayContaining([
        "GetMessagesQuery.before",
        "GetMessagesResponse.messages[].clientMessageId",
        "ListRoomsResponse.rooms[].createdAt",
        "ServerFrame.message.createdAt",
        "ServerFrame.error.details[].path",
      ]),
    );
    expect(found.length).toBeGreaterThan(80);
  });

  it("spells every object key in camelCase", () => {
    const offenders = found.filter(({ key }) => !camelCase.test(key)).map(({ at }) => at);

    expect(offenders).toEqual([]);
  });

  it("would catch a snake_case key however deeply it is nested", () => {
    const schema = v.object({
      frames: v.optional(
        v.array(
          v.variant("type", [
            v.object({ type: v.literal("a"), inner: v.pipe(v.object({ created_at: v.string() })) }),
          ]),
        ),
      ),
    });

    const offenders = wireKeys(schema, "Probe")
      .filter(({ key }) => !camelCase.test(key))
      .map(({ at }) => at);

    expect(offenders).toEqual(["Probe.frames[].inner.created_at"]);
  });

  it("refuses to skip a schema type it cannot look inside", () => {
    const schema = v.object({ byUser: v.record(v.string(), v.object({ user_name: v.string() })) });

    const walk = () => wireKeys(schema, "Probe");

    expect(walk).toThrow("cannot look inside a record schema at Probe.byUser");
  });
});
