import * as Connection from "@chat/core/connection";
import { describe, expect, it } from "vitest";
import { uniqueId } from "../test/events";
import { postsReceived } from "../test/fake-management-api";
import { fanOut, isRetryable, NOTICE_MAX_CONNECTIONS } from "./fan-out";
import { logger } from "./observability";

// Ten registrations at a time: DynamoDB Local runs transactions one at a time, and a loaded machine times out more.
const fill = async (roomId: string, count: number) => {
  for (let start = 0; start < count; start += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - start) }, (_, offset) => {
        const i = start + offset;
        return Connection.connect({
          connectionId: `${roomId}-c${i}`,
          roomId,
          userId: `u${i}`,
          username: `U${i}`,
          maxConnections: 10,
        });
      }),
    );
  }
};

const presence = (roomId: string) =>
  ({ type: "presence", roomId, event: "join", userId: "newcomer", username: "Newcomer" }) as const;

describe("fanOut of notices", () => {
  it("sends typing and presence notices in a room at the notice limit", async () => {
    const roomId = uniqueId("small");
    await fill(roomId, NOTICE_MAX_CONNECTIONS);

    const outcomes = await fanOut(roomId, presence(roomId), logger);

    expect(outcomes.sent).toBe(NOTICE_MAX_CONNECTIONS);
  });

  it("sends none in a room over it, where every join would otherwise reach everyone", async () => {
    const roomId = uniqueId("large");
    await fill(roomId, NOTICE_MAX_CONNECTIONS + 1);

    const outcomes = await fanOut(roomId, presence(roomId), logger);
    const message = await fanOut(roomId, { type: "pong", timestamp: new Date().toISOString() }, logger);

    expect(outcomes.sent).toBe(0);
    expect(
      (await postsReceived()).filter(
        (post) => post.connectionId.startsWith(`${roomId}-`) && post.data.includes("presence"),
      ),
    ).toEqual([]);
    expect(message.sent).toBe(NOTICE_MAX_CONNECTIONS + 1);
  });
});

describe("which failed posts are retried", () => {
  it.each([
    ["throttled (429)", { $metadata: { httpStatusCode: 429 } }, true],
    ["a server error (503)", { $metadata: { httpStatusCode: 503 }, $fault: "server" }, true],
    ["a reset connection", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), true],
    ["a refused connection", Object.assign(new Error("connect"), { code: "ECONNREFUSED" }), true],
    ["a timeout", Object.assign(new Error("timed out"), { name: "TimeoutError" }), true],
    ["a client error (400)", { $metadata: { httpStatusCode: 400 }, $fault: "client" }, false],
    ["a bug (TypeError)", new TypeError("cannot read properties of undefined"), false],
    ["a missing link", new Error('"Realtime" is not linked in your sst.config.ts'), false],
  ])("%s: %s", (_, error, retryable) => {
    expect(isRetryable(error)).toBe(retryable);
  });
});
