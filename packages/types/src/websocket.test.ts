import * as v from "valibot";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "./message";
import { ClientFrame, ConnectQuery, ServerFrame } from "./websocket";

/** The issues of a parse as an error frame lists them: dotted path and message. */
const issuesOf = <T extends v.GenericSchema>(result: v.SafeParseResult<T>) =>
  result.success
    ? []
    : result.issues.map((issue) => ({ path: v.getDotPath(issue) ?? "", message: issue.message }));

const message: ChatMessage = {
  id: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
  roomId: "general",
  userId: "u1",
  username: "alice",
  text: "hello",
  createdAt: "2026-11-25T20:02:42.123Z",
  editedAt: null,
  deletedAt: null,
  reactions: [],
  clientMessageId: "c-1",
  parentId: null,
  replyCount: 0,
};

describe("ConnectQuery", () => {
  it("defaults the room to general", () => {
    const result = v.safeParse(ConnectQuery, { userId: "u1", username: "alice" });

    expect(result.success).toBe(true);
    expect(result.output).toStrictEqual({ roomId: "general", userId: "u1", username: "alice" });
  });

  it("lower-cases the room and trims the username, like the REST fields", () => {
    const result = v.safeParse(ConnectQuery, { roomId: "Lobby", userId: "u1", username: " alice " });

    expect(result).toMatchObject({
      success: true,
      output: { roomId: "lobby", userId: "u1", username: "alice" },
    });
  });

  it("ignores unknown parameters", () => {
    const result = v.safeParse(ConnectQuery, { userId: "u1", username: "alice", v: "2" });

    expect(result.output).toStrictEqual({ roomId: "general", userId: "u1", username: "alice" });
  });

  // CHANGE (Identity): optional here; the edge requires both when the stage takes no tokens.
  it.each(["userId", "username"] as const)(
    "leaves %s out when not given (the token names the user)",
    (field) => {
      const { [field]: _, ...input } = { userId: "u1", username: "alice" };

      const result = v.safeParse(ConnectQuery, input);

      expect(result.success).toBe(true);
      expect(result.output).not.toHaveProperty(field);
    },
  );

  it.each([
    {
      name: "an empty room (absent means general, empty is wrong)",
      query: { roomId: "", userId: "u1", username: "alice" },
      issue: {
        path: "roomId",
        message: "must be 1 to 64 of a-z, 0-9, _ and -, starting with a letter or digit",
      },
    },
    {
      name: "a userId with a space",
      query: { userId: "u 1", username: "alice" },
      issue: { path: "userId", message: "must be 1 to 128 of A-Z, a-z, 0-9, _ . : @ and -" },
    },
    {
      name: "a userId of 129 characters",
      query: { userId: "u".repeat(129), username: "alice" },
      issue: { path: "userId", message: "must be 1 to 128 of A-Z, a-z, 0-9, _ . : @ and -" },
    },
    {
      name: "a blank username",
      query: { userId: "u1", username: "  " },
      issue: { path: "username", message: "must be 1 to 50 characters" },
    },
    {
      name: "a username of 51 characters",
      query: { userId: "u1", username: "a".repeat(51) },
      issue: { path: "username", message: "must be 1 to 50 characters" },
    },
    {
      name: "a username with a control character",
      query: { userId: "u1", username: "ali\u0007ce" },
      issue: { path: "username", message: "must not contain control characters" },
    },
  ])("rejects $name", ({ query, issue }) => {
    const result = v.safeParse(ConnectQuery, query);

    expect(result.success).toBe(false);
    expect(issuesOf(result)).toEqual([issue]);
  });
});

describe("ClientFrame", () => {
  it("accepts a ping", () => {
    const result = v.safeParse(ClientFrame, { type: "ping" });

    expect(result).toMatchObject({ success: true, output: { type: "ping" } });
  });

  it.each([
    { name: "an unknown type", frame: { type: "shout" }, path: "type" },
    { name: "a server frame type", frame: { type: "pong" }, path: "type" },
    { name: "a frame without a type", frame: { text: "hello" }, path: "type" },
    { name: "a ping with an extra key", frame: { type: "ping", at: 1 }, path: "at" },
    { name: "a bare string", frame: "ping", path: "" },
    { name: "null", frame: null, path: "" },
  ])("rejects $name", ({ frame, path }) => {
    const result = v.safeParse(ClientFrame, frame);

    expect(result.success).toBe(false);
    expect(issuesOf(result).map((issue) => issue.path)).toEqual([path]);
  });
});

describe("ServerFrame", () => {
  it.each([
    { name: "a message frame", frame: { type: "message", message } },
    { name: "a pong frame", frame: { type: "pong", timestamp: "2026-11-25T20:02:42.123Z" } },
    {
      name: "an error frame",
      frame: { type: "error", error: { code: "payload_too_large", message: "too big" } },
    },
    {
      name: "an error frame with details",
      frame: {
        type: "error",
        error: {
          code: "validation_failed",
          message: "invalid frame",
          details: [{ path: "type", message: "unknown frame type" }],
        },
      },
    },
    {
      name: "a member frame",
      frame: {
        type: "member",
        roomId: "lobby",
        event: "added",
        member: {
          userId: "u2",
          username: "bob",
          role: "member",
          joinedAt: "2026-11-25T20:02:42.123Z",
          mutedUntil: null,
          online: false,
        },
      },
    },
  ])("accepts $name", ({ frame }) => {
    const result = v.safeParse(ServerFrame, frame);

    expect(result).toMatchObject({ success: true, output: frame });
  });

  it.each([
    {
      name: "a message frame whose message is invalid",
      frame: { type: "message", message: { ...message, createdAt: "2026-11-25T20:02:42Z" } },
      path: "message.createdAt",
    },
    {
      name: "a pong frame without milliseconds",
      frame: { type: "pong", timestamp: "2026-11-25T20:02:42Z" },
      path: "timestamp",
    },
    {
      name: "an error frame with an unknown code",
      frame: { type: "error", error: { code: "oops", message: "?" } },
      path: "error.code",
    },
    {
      name: "a member frame with an unknown event",
      frame: {
        type: "member",
        roomId: "lobby",
        event: "joined",
        member: {
          userId: "u2",
          username: "bob",
          role: "member",
          joinedAt: "2026-11-25T20:02:42.123Z",
          mutedUntil: null,
          online: false,
        },
      },
      path: "event",
    },
    { name: "a frame of an unknown type", frame: { type: "ping" }, path: "type" },
  ])("rejects $name", ({ frame, path }) => {
    const result = v.safeParse(ServerFrame, frame);

    expect(result.success).toBe(false);
    expect(issuesOf(result).map((issue) => issue.path)).toEqual([path]);
  });
});
