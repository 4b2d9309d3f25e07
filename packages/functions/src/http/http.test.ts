import {
  ErrorResponse,
  GetMessagesResponse,
  HealthResponse,
  ListRoomsResponse,
  SendMessageResponse,
} from "@chat/types";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { httpEvent, uniqueId } from "../../test/events";
import { handler as getMessages } from "./get-messages";
import { handler as health } from "./health";
import { handler as listRooms } from "./list-rooms";
import { handler as notFound } from "./not-found";
import { handler as sendMessage } from "./send-message";

const json = (result: APIGatewayProxyStructuredResultV2): unknown => JSON.parse(result.body ?? "");
const errorOf = (result: APIGatewayProxyStructuredResultV2) => v.parse(ErrorResponse, json(result));

const post = (roomId: string, body: unknown, options: { raw?: string; base64?: boolean } = {}) => {
  const text = options.raw ?? JSON.stringify(body);
  return sendMessage(
    httpEvent({
      routeKey: "POST /rooms/{roomId}/messages",
      path: `/rooms/${roomId}/messages`,
      pathParameters: { roomId },
      body: options.base64 ? Buffer.from(text).toString("base64") : text,
      isBase64Encoded: options.base64 ?? false,
    }),
  );
};

const get = (roomId: string, rawQueryString = "") =>
  getMessages(
    httpEvent({
      routeKey: "GET /rooms/{roomId}/messages",
      path: `/rooms/${roomId}/messages`,
      pathParameters: { roomId },
      rawQueryString,
    }),
  );

const alice = { userId: "u1", username: "alice" };

describe("GET /health", () => {
  it("answers 200 with the stage and version, and the headers every response carries", async () => {
    const event = httpEvent({ routeKey: "GET /health", path: "/health" });

    const result = await health(event);

    expect(result.statusCode).toBe(200);
    expect(v.parse(HealthResponse, json(result))).toMatchObject({
      status: "ok",
      stage: "test",
      version: "0.1.0",
    });
    expect(result.headers).toMatchObject({
      "content-type": "application/json; charset=utf-8",
      "x-content-type-options": "nosniff",
      "x-request-id": event.requestContext.requestId,
    });
  });
});

describe("POST /rooms/{roomId}/messages", () => {
  it("stores a message and answers 201 with it", async () => {
    const roomId = uniqueId("room");

    const result = await post(roomId, { ...alice, text: "  hello  " });

    expect(result.statusCode).toBe(201);
    const { message } = v.parse(SendMessageResponse, json(result));
    expect(message).toMatchObject({ roomId, ...alice, text: "hello", clientMessageId: null });
  });

  it("answers 200 with the first message when clientMessageId repeats", async () => {
    const roomId = uniqueId("room");
    const first = await post(roomId, { ...alice, text: "one", clientMessageId: "abc" });

    const replay = await post(roomId, { ...alice, text: "two", clientMessageId: "abc" });

    expect([first.statusCode, replay.statusCode]).toEqual([201, 200]);
    expect(json(replay)).toEqual(json(first));
  });

  it("lower-cases the room id", async () => {
    const roomId = uniqueId("Room");

    const result = await post(roomId, { ...alice, text: "hi" });

    expect(v.parse(SendMessageResponse, json(result)).message.roomId).toBe(roomId.toLowerCase());
  });

  it("accepts a base64-encoded body", async () => {
    const result = await post(uniqueId("room"), { ...alice, text: "encoded" }, { base64: true });

    expect(result.statusCode).toBe(201);
  });

  it("answers 400 invalid_json for a body that is not JSON, and stores nothing", async () => {
    const roomId = uniqueId("room");

    const result = await post(roomId, undefined, { raw: '{"userId": "u1",' });

    expect(result.statusCode).toBe(400);
    expect(errorOf(result).code).toBe("invalid_json");
    expect(v.parse(GetMessagesResponse, json(await get(roomId))).messages).toEqual([]);
  });

  it("answers 400 validation_failed naming each bad field", async () => {
    const result = await post(uniqueId("room"), { userId: "u 1", username: "alice", text: "" });

    expect(result.statusCode).toBe(400);
    const error = errorOf(result);
    expect(error.code).toBe("validation_failed");
    expect(error.details?.map((issue) => issue.path).sort()).toEqual(["text", "userId"]);
  });

  // Without tokens the body names the sender: the schema lets both out (for token stages), the edge does not.
  it.each(["userId", "username"] as const)(
    "answers 400 validation_failed naming %s when a stage without tokens gets none",
    async (field) => {
      const roomId = uniqueId("room");
      const { [field]: _, ...sender } = alice;

      const result = await post(roomId, { ...sender, text: "who am I?" });

      expect(result.statusCode).toBe(400);
      expect(errorOf(result)).toMatchObject({ code: "validation_failed", details: [{ path: field }] });
      expect(v.parse(GetMessagesResponse, json(await get(roomId))).messages).toEqual([]);
    },
  );

  it("answers 400 for a snake_case key instead of ignoring it", async () => {
    const result = await post(uniqueId("room"), { ...alice, text: "hi", client_message_id: "x" });

    expect(result.statusCode).toBe(400);
    expect(errorOf(result).details?.[0]?.path).toBe("client_message_id");
  });

  it("answers 400 for a bad room id", async () => {
    const result = await post("-bad", { ...alice, text: "hi" });

    expect(result.statusCode).toBe(400);
    expect(errorOf(result).details?.[0]?.path).toBe("roomId");
  });

  it("answers 413 payload_too_large for a body over 16 KiB, and 400 just under it", async () => {
    const roomId = uniqueId("room");
    const envelope = JSON.stringify({ ...alice, text: "" }).length;
    const body = (size: number) => JSON.stringify({ ...alice, text: "x".repeat(size - envelope) });

    const over = await post(roomId, undefined, { raw: body(16 * 1024 + 1) });
    const under = await post(roomId, undefined, { raw: body(16 * 1024) });

    expect(over.statusCode).toBe(413);
    expect(errorOf(over).code).toBe("payload_too_large");
    expect(under.statusCode).toBe(400);
    expect(errorOf(under).details?.[0]?.path).toBe("text");
  });
});

describe("GET /rooms/{roomId}/messages", () => {
  it("answers 200 with the newest messages, oldest first, and hasMore", async () => {
    const roomId = uniqueId("room");
    for (const text of ["a", "b", "c"]) await post(roomId, { ...alice, text });

    const result = await get(roomId, "limit=2");

    expect(result.statusCode).toBe(200);
    const page = v.parse(GetMessagesResponse, json(result));
    expect(page.messages.map((m) => m.text)).toEqual(["b", "c"]);
    expect([page.roomId, page.hasMore]).toEqual([roomId, true]);
  });

  it("reads an unknown room as empty", async () => {
    const result = await get(uniqueId("room"));

    expect(json(result)).toMatchObject({ messages: [], hasMore: false });
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=", "limit"],
    ["limit=5&limit=6", "limit"],
    ["before=nope", "before"],
    ["after=", "after"],
    ["before=01ARZ3NDEKTSV4RRFFQ69G5FAV&after=01ARZ3NDEKTSV4RRFFQ69G5FAV", "after"],
  ])("answers 400 validation_failed for ?%s", async (query, path) => {
    const result = await get(uniqueId("room"), query);

    expect(result.statusCode).toBe(400);
    expect(errorOf(result)).toMatchObject({ code: "validation_failed", details: [{ path }] });
  });
});

describe("GET /rooms", () => {
  it("lists general and every room with a message", async () => {
    const roomId = uniqueId("room");
    await post(roomId, { ...alice, text: "hi" });

    const result = await listRooms(httpEvent({ routeKey: "GET /rooms", path: "/rooms" }));

    expect(result.statusCode).toBe(200);
    const ids = v.parse(ListRoomsResponse, json(result)).rooms.map((room) => room.roomId);
    expect(ids).toEqual(expect.arrayContaining(["general", roomId]));
  });
});

describe("$default (no such route)", () => {
  it("answers 404 not_found", async () => {
    const result = await notFound(httpEvent({ routeKey: "$default", path: "/nope" }));

    expect(result.statusCode).toBe(404);
    expect(errorOf(result)).toEqual({ code: "not_found", message: "No route for GET /nope" });
  });
});
