import { Connection } from "@chat/core";
import { ErrorResponse, ServerFrame } from "@chat/types";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { socketEvent, uniqueId } from "../../test/events";
import { postsReceived } from "../../test/fake-management-api";
import { handler as connect } from "./connect";
import { handler as onDefault } from "./default";
import { handler as disconnect } from "./disconnect";

const statusOf = (result: Awaited<ReturnType<typeof connect>>) =>
  typeof result === "object" ? result.statusCode : undefined;

const members = async (roomId: string) =>
  (await Connection.inRoom(roomId)).connections.map((c) => c.connectionId);

/** Sends a frame on `$default` and returns the frames the handler pushed back to that connection. */
const frame = async (body: string) => {
  const connectionId = uniqueId("conn");
  const result = await onDefault(socketEvent("$default", connectionId, { body }));
  expect(statusOf(result)).toBe(200);
  const posts = (await postsReceived()).filter((post) => post.connectionId === connectionId);
  return posts.map((post) => v.parse(ServerFrame, JSON.parse(post.data)));
};

describe("$connect", () => {
  it("accepts a valid query and registers the connection in its room", async () => {
    const [connectionId, roomId] = [uniqueId("conn"), uniqueId("room")];

    const result = await connect(
      socketEvent("$connect", connectionId, {
        query: { roomId: [roomId], userId: ["u1"], username: ["alice"] },
      }),
    );

    expect(statusOf(result)).toBe(200);
    expect(await members(roomId)).toEqual([connectionId]);
  });

  it("puts a connection without roomId in general", async () => {
    const connectionId = uniqueId("conn");

    await connect(socketEvent("$connect", connectionId, { query: { userId: ["u1"], username: ["alice"] } }));

    expect(await members("general")).toContain(connectionId);
  });

  it.each([
    ["no query at all", undefined, "userId"],
    ["a missing username", { userId: ["u1"] }, "username"],
    ["a bad room id", { roomId: ["no spaces"], userId: ["u1"], username: ["alice"] }, "roomId"],
    ["a repeated parameter", { roomId: ["a", "b"], userId: ["u1"], username: ["alice"] }, "roomId"],
  ])("refuses the handshake with 400 for %s", async (_, query, path) => {
    const result = await connect(socketEvent("$connect", uniqueId("conn"), query ? { query } : {}));

    expect(statusOf(result)).toBe(400);
    const body = typeof result === "object" ? result.body : undefined;
    const error = v.parse(ErrorResponse, JSON.parse(body ?? ""));
    expect(error.code).toBe("validation_failed");
    expect(error.details?.map((issue) => issue.path)).toContain(path);
  });
});

describe("$disconnect", () => {
  it("removes the connection from its room", async () => {
    const [connectionId, roomId] = [uniqueId("conn"), uniqueId("room")];
    await connect(
      socketEvent("$connect", connectionId, { query: { roomId: [roomId], userId: ["u1"], username: ["a"] } }),
    );

    const result = await disconnect(socketEvent("$disconnect", connectionId));

    expect(statusOf(result)).toBe(200);
    expect(await members(roomId)).toEqual([]);
  });
});

describe("$default", () => {
  it("answers a ping with a pong", async () => {
    const frames = await frame(JSON.stringify({ type: "ping" }));

    expect(frames).toHaveLength(1);
    expect(frames[0]?.type).toBe("pong");
  });

  it.each([
    ["not JSON", "{nope", "invalid_json"],
    ["an unknown type", JSON.stringify({ type: "dance" }), "validation_failed"],
    ["a frame without a type", JSON.stringify({ hello: 1 }), "validation_failed"],
    ["an extra key", JSON.stringify({ type: "ping", extra: true }), "validation_failed"],
    [
      "a frame over 16 KiB",
      JSON.stringify({ type: "ping", pad: "x".repeat(16 * 1024) }),
      "payload_too_large",
    ],
  ])("answers %s with an error frame", async (_, body, code) => {
    const frames = await frame(body);

    expect(frames).toEqual([{ type: "error", error: expect.objectContaining({ code }) }]);
  });
});
