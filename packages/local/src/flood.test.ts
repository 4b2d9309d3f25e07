import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, wellInsideAMinute } from "../test/clients";
import { type LocalStack, startLocalStack } from "./stack";

// Per-user limits on frames: a user cannot reset them by reconnecting or spread them over connections.
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-flood",
    limits: { framesPerMinute: 6, subscriptionsPerMinute: 3, presenceSettleMs: 0 },
  });
});

afterAll(async () => {
  await stack?.stop();
});

const user = (prefix: string) => `${prefix}-${Date.now().toString(36)}`;

describe("per-user frame limits", () => {
  it("keeps counting a user's frames across a reconnect", async () => {
    await wellInsideAMinute();
    const query = { roomId: "flood", userId: user("reconnector"), username: "r" };
    const first = await connectClient(stack.wsUrl, query);
    for (let i = 0; i < 4; i++) first.socket.send(JSON.stringify({ type: "ping" }));
    await first.waitFor(4, (frame) => frame.type === "pong");
    await first.close();

    const second = await connectClient(stack.wsUrl, query);
    for (let i = 0; i < 4; i++) second.socket.send(JSON.stringify({ type: "ping" }));

    const errors = await second.waitFor(2, (frame) => frame.type === "error");
    expect(second.frames.filter((frame) => frame.type === "pong")).toHaveLength(2);
    expect(errors[0]).toMatchObject({ type: "error", error: { code: "rate_limited" } });
    await second.close();
  });

  it("gives subscribe and unsubscribe their own lower limit", async () => {
    await wellInsideAMinute();
    // A room of its own: the previous test's user leaving "flood" is announced there, and would land in this list.
    const client = await connectClient(stack.wsUrl, {
      roomId: user("hop-home"),
      userId: user("hopper"),
      username: "h",
    });

    for (let i = 0; i < 4; i++) {
      client.socket.send(JSON.stringify({ type: "subscribe", roomId: `hop-${i}` }));
      await client.waitFor(i + 1, (frame) => frame.type === "subscribed" || frame.type === "error");
    }

    const answers = client.frames.filter((frame) => frame.type === "subscribed" || frame.type === "error");
    expect(answers.map((frame) => frame.type)).toEqual(["subscribed", "subscribed", "subscribed", "error"]);
    expect(answers[3]).toMatchObject({ type: "error", roomId: "hop-3", error: { code: "rate_limited" } });
    await client.close();
  });
});
