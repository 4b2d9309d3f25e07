import * as v from "valibot";
import { describe, expect, it } from "vitest";
import {
  ChatMessage,
  GetMessagesQuery,
  GetMessagesResponse,
  newMessageState,
  RoomPath,
  SendMessageRequest,
  SendMessageResponse,
} from "./message";

/** The issues of a parse as a `validation_failed` response lists them: dotted path and message. */
const issuesOf = <T extends v.GenericSchema>(result: v.SafeParseResult<T>) =>
  result.success
    ? []
    : result.issues.map((issue) => ({ path: v.getDotPath(issue) ?? "", message: issue.message }));

const ulid = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
const laterUlid = "01JDQ7Z5Y8K3M4N5P6Q7R8S9TV";

const message: ChatMessage = {
  id: ulid,
  roomId: "general",
  userId: "u1",
  username: "alice",
  text: "hello",
  createdAt: "2026-11-25T20:02:42.123Z",
  editedAt: null,
  deletedAt: null,
  reactions: [],
  clientMessageId: null,
  parentId: null,
  replyCount: 0,
};

describe("ChatMessage", () => {
  it("is whole with newMessageState(): a new top-level message's fields", () => {
    const { id, roomId, userId, username, text, createdAt, clientMessageId } = message;
    const built = { id, roomId, userId, username, text, createdAt, clientMessageId, ...newMessageState() };
    expect(v.parse(ChatMessage, built)).toEqual(message);
  });

  it("accepts a message without a clientMessageId as null", () => {
    const result = v.safeParse(ChatMessage, message);

    expect(result).toMatchObject({ success: true, output: message });
  });

  it("accepts a message with a clientMessageId", () => {
    const input = { ...message, clientMessageId: "c-1" };

    const result = v.safeParse(ChatMessage, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it("requires clientMessageId to be present, as null when the send had none", () => {
    const { clientMessageId: _, ...withoutClientMessageId } = message;

    const result = v.safeParse(ChatMessage, withoutClientMessageId);

    expect(result.success).toBe(false);
    expect(issuesOf(result).map(({ path }) => path)).toEqual(["clientMessageId"]);
  });

  it.each([
    { name: "without milliseconds", createdAt: "2026-11-25T20:02:42Z" },
    { name: "without Z", createdAt: "2026-11-25T20:02:42.123" },
    { name: "with an offset", createdAt: "2026-11-25T21:02:42.123+01:00" },
  ])("rejects a createdAt $name", ({ createdAt }) => {
    const result = v.safeParse(ChatMessage, { ...message, createdAt });

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([
      { path: "createdAt", message: "must be an ISO-8601 UTC timestamp with milliseconds" },
    ]);
  });

  it("rejects an id that is not a ULID", () => {
    const result = v.safeParse(ChatMessage, { ...message, id: "42" });

    expect(issuesOf(result)).toEqual([{ path: "id", message: "must be a message id" }]);
  });

  it("validates its fields like a send does", () => {
    const input = { ...message, text: "a".repeat(501), username: "" };

    const result = v.safeParse(ChatMessage, input);

    expect(issuesOf(result)).toEqual([
      { path: "username", message: "must be 1 to 50 characters" },
      { path: "text", message: "must be 1 to 500 characters" },
    ]);
  });
});

describe("SendMessageRequest", () => {
  const send = { userId: "u1", username: "alice", text: "hello" };

  it("accepts a send without a clientMessageId", () => {
    const result = v.safeParse(SendMessageRequest, send);

    expect(result.success).toBe(true);
    expect(result.output).toStrictEqual(send);
  });

  it("accepts a send with a clientMessageId", () => {
    const input = { ...send, clientMessageId: "c-1" };

    const result = v.safeParse(SendMessageRequest, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it("trims the username and the text", () => {
    const input = { ...send, username: "  alice ", text: "\n hello \n" };

    const result = v.safeParse(SendMessageRequest, input);

    expect(result).toMatchObject({ success: true, output: send });
  });

  it("rejects an unknown key, so a snake_case client_message_id fails loudly", () => {
    const input = { ...send, client_message_id: "c-1" };

    const result = v.safeParse(SendMessageRequest, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([
      { path: "client_message_id", message: expect.stringMatching(/^Invalid key/) },
    ]);
  });

  it("rejects a send without text, naming the field", () => {
    const { text: _, ...input } = send;

    const result = v.safeParse(SendMessageRequest, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result).map(({ path }) => path)).toEqual(["text"]);
  });

  // CHANGE (Identity): with token auth the token names the sender; the edge requires both without it.
  it("accepts a send without userId and username, for a stage that requires tokens", () => {
    const result = v.safeParse(SendMessageRequest, { text: "hello" });

    expect(result).toMatchObject({ success: true, output: { text: "hello" } });
    expect(result.output).not.toHaveProperty("userId");
    expect(result.output).not.toHaveProperty("username");
  });

  it("still validates a userId or username that is given", () => {
    const result = v.safeParse(SendMessageRequest, { userId: "u 1", username: " ", text: "hello" });

    expect(issuesOf(result).map(({ path }) => path)).toEqual(["userId", "username"]);
  });

  it("names every invalid field at once", () => {
    const input = { userId: "", username: "   ", text: "", clientMessageId: "no spaces" };

    const result = v.safeParse(SendMessageRequest, input);

    expect(issuesOf(result)).toEqual([
      { path: "userId", message: "must be 1 to 128 of A-Z, a-z, 0-9, _ . : @ and -" },
      { path: "username", message: "must be 1 to 50 characters" },
      { path: "text", message: "must be 1 to 500 characters" },
      { path: "clientMessageId", message: "must be 1 to 64 of A-Z, a-z, 0-9, _ and -" },
    ]);
  });

  it("rejects a null clientMessageId (leave it out instead)", () => {
    const result = v.safeParse(SendMessageRequest, { ...send, clientMessageId: null });

    expect(issuesOf(result).map(({ path }) => path)).toEqual(["clientMessageId"]);
  });

  it.each([
    { name: "a string", input: "hello" },
    { name: "null", input: null },
    { name: "a number", input: 1 },
  ])("rejects a body that is $name, at the root", ({ input }) => {
    const result = v.safeParse(SendMessageRequest, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result).map(({ path }) => path)).toEqual([""]);
  });
});

describe("SendMessageResponse", () => {
  it("wraps the stored message", () => {
    const result = v.safeParse(SendMessageResponse, { message });

    expect(result).toMatchObject({ success: true, output: { message } });
  });

  it("rejects a response without its message", () => {
    const result = v.safeParse(SendMessageResponse, {});

    expect(issuesOf(result).map(({ path }) => path)).toEqual(["message"]);
  });
});

describe("RoomPath", () => {
  it("lower-cases the room id of the path", () => {
    const result = v.safeParse(RoomPath, { roomId: "Lobby" });

    expect(result).toMatchObject({ success: true, output: { roomId: "lobby" } });
  });

  it("names roomId when the path parameter is invalid", () => {
    const result = v.safeParse(RoomPath, { roomId: "no.dots" });

    expect(issuesOf(result)).toEqual([
      { path: "roomId", message: "must be 1 to 64 of a-z, 0-9, _ and -, starting with a letter or digit" },
    ]);
  });
});

describe("GetMessagesQuery", () => {
  const invalidLimit = "must be an integer from 1 to 100";

  it("defaults limit to 50 when it is absent", () => {
    const result = v.safeParse(GetMessagesQuery, {});

    expect(result.success).toBe(true);
    expect(result.output).toStrictEqual({ limit: 50 });
  });

  it.each([
    { input: "1", output: 1 },
    { input: "50", output: 50 },
    { input: "100", output: 100 },
  ])("turns limit $input into the number $output", ({ input, output }) => {
    const result = v.safeParse(GetMessagesQuery, { limit: input });

    expect(result).toMatchObject({ success: true, output: { limit: output } });
  });

  it.each([
    { name: "zero", limit: "0" },
    { name: "101", limit: "101" },
    { name: "an empty value", limit: "" },
    { name: "a decimal", limit: "1.5" },
    { name: "a negative number", limit: "-1" },
    { name: "a word", limit: "abc" },
    { name: "an exponent", limit: "1e2" },
    { name: "a padded number", limit: " 5" },
    { name: "a repeated parameter joined by API Gateway", limit: "5,6" },
  ])("rejects a limit that is $name", ({ limit }) => {
    const result = v.safeParse(GetMessagesQuery, { limit });

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "limit", message: invalidLimit }]);
  });

  it("rejects a repeated limit parameter", () => {
    const result = v.safeParse(GetMessagesQuery, { limit: ["5", "6"] });

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "limit", message: "must be given once" }]);
  });

  describe.each(["before", "after"] as const)("the %s cursor", (cursor) => {
    it("accepts a message id", () => {
      const result = v.safeParse(GetMessagesQuery, { [cursor]: ulid });

      expect(result.success).toBe(true);
      expect(result.output).toStrictEqual({ limit: 50, [cursor]: ulid });
    });

    it("upper-cases a lower-case message id", () => {
      const result = v.safeParse(GetMessagesQuery, { [cursor]: ulid.toLowerCase() });

      expect(result).toMatchObject({ success: true, output: { [cursor]: ulid } });
    });

    it.each([
      { name: "an empty value", value: "" },
      { name: "not a ULID", value: "not-a-ulid" },
      { name: "one character short", value: ulid.slice(1) },
      { name: "a repeated parameter joined by API Gateway", value: `${ulid},${laterUlid}` },
    ])("rejects a value that is $name", ({ value }) => {
      const result = v.safeParse(GetMessagesQuery, { [cursor]: value });

      expect(result.success).toBe(false);
      expect(issuesOf(result)).toEqual([{ path: cursor, message: "must be a message id" }]);
    });

    it("rejects a repeated parameter", () => {
      const result = v.safeParse(GetMessagesQuery, { [cursor]: [ulid, laterUlid] });

      expect(result.success).toBe(false);
      expect(issuesOf(result)).toEqual([{ path: cursor, message: "must be given once" }]);
    });
  });

  it("rejects before and after together, on after", () => {
    const input = { before: laterUlid, after: ulid };

    const result = v.safeParse(GetMessagesQuery, input);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([{ path: "after", message: "use before or after, not both" }]);
  });

  it.each(["before", "after"] as const)("rejects around with %s, on around", (cursor) => {
    const result = v.safeParse(GetMessagesQuery, { around: ulid, [cursor]: laterUlid });

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([
      { path: "around", message: "use around alone, without before or after" },
    ]);
  });

  it("reads an around query, upper-casing the id", () => {
    const result = v.safeParse(GetMessagesQuery, { around: ulid.toLowerCase(), limit: "9" });

    expect(result).toMatchObject({ success: true, output: { limit: 9, around: ulid } });
  });

  it("reads a full page query", () => {
    const result = v.safeParse(GetMessagesQuery, { limit: "20", after: ulid });

    expect(result.success).toBe(true);
    expect(result.output).toStrictEqual({ limit: 20, after: ulid });
  });

  it("ignores unknown parameters", () => {
    const result = v.safeParse(GetMessagesQuery, { limit: "10", cacheBuster: "123" });

    expect(result.success).toBe(true);
    expect(result.output).toStrictEqual({ limit: 10 });
  });
});

describe("SendMessageRequest with parentId", () => {
  it("takes a parent message id, and refuses one that is not a message id", () => {
    const good = v.safeParse(SendMessageRequest, { userId: "u1", username: "a", text: "hi", parentId: ulid });
    const bad = v.safeParse(SendMessageRequest, { userId: "u1", username: "a", text: "hi", parentId: "x" });

    expect(good).toMatchObject({ success: true, output: { parentId: ulid } });
    expect(issuesOf(bad)).toEqual([{ path: "parentId", message: "must be a message id" }]);
  });
});

describe("GetMessagesResponse", () => {
  it("accepts a page of messages", () => {
    const input = { roomId: "general", messages: [message, { ...message, id: laterUlid }], hasMore: true };

    const result = v.safeParse(GetMessagesResponse, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it("accepts an empty page of an unknown room", () => {
    const input = { roomId: "nobody-here", messages: [], hasMore: false };

    const result = v.safeParse(GetMessagesResponse, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it("requires hasMore", () => {
    const result = v.safeParse(GetMessagesResponse, { roomId: "general", messages: [] });

    expect(issuesOf(result).map(({ path }) => path)).toEqual(["hasMore"]);
  });

  it("names the message and field that are wrong", () => {
    const input = {
      roomId: "general",
      messages: [message, { ...message, createdAt: "yesterday" }],
      hasMore: false,
    };

    const result = v.safeParse(GetMessagesResponse, input);

    expect(issuesOf(result)).toEqual([
      { path: "messages.1.createdAt", message: "must be an ISO-8601 UTC timestamp with milliseconds" },
    ]);
  });
});
