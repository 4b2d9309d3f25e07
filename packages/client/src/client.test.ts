import { SendMessageRequest } from "@chat/types";
import * as v from "valibot";
import { afterEach, describe, expect, it } from "vitest";
import { clientFor, uniqueRoom, useLocalStack } from "../test/stack";
import { startFlakyProxy } from "../test/stand-ins";
import { ChatApiError, ChatNetworkError, ChatProtocolError, type RetryEvent } from "./index";

// Real: the local stack (handlers, DynamoDB Local) over real HTTP. Stand-in, where a test says so: a loopback
// proxy between client and stack that answers 503/429 itself or drops connections, since the real stack cannot be
// told to be throttled on cue.
const stack = useLocalStack();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const proxy = async (...args: Parameters<typeof startFlakyProxy>) => {
  const started = await startFlakyProxy(...args);
  closers.push(started.close);
  return started;
};

const posts = (method: string) => method === "POST";
const sentIds = (bodies: string[]) =>
  bodies.map((body) => v.parse(SendMessageRequest, JSON.parse(body)).clientMessageId);

describe("ChatClient REST calls", () => {
  it("sends a message and reads it back in history", async () => {
    const roomId = uniqueRoom("rest");
    const alice = clientFor(stack.current, "alice");

    const sent = await alice.send(roomId, { text: "  hello  " });
    const page = await alice.history(roomId);

    expect(sent).toMatchObject({ roomId, userId: "alice", username: "alice", text: "hello" });
    expect(sent.clientMessageId).toMatch(/^[A-Za-z0-9_-]{21}$/);
    expect(page).toEqual({ roomId, messages: [sent], hasMore: false });
  });

  it("pages history with before, after and limit", async () => {
    const roomId = uniqueRoom("pages");
    const alice = clientFor(stack.current, "alice");
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await alice.send(roomId, { text: `m${i}` }));
    const ids = sent.map(({ id }) => id);

    const newest = await alice.history(roomId, { limit: 2 });
    const older = await alice.history(roomId, { limit: 2, before: ids[3] as string });
    const newer = await alice.history(roomId, { limit: 10, after: ids[1] as string });

    expect(newest.messages.map(({ id }) => id)).toEqual(ids.slice(3));
    expect(newest.hasMore).toBe(true);
    expect(older.messages.map(({ id }) => id)).toEqual(ids.slice(1, 3));
    expect(newer).toMatchObject({ hasMore: false, messages: sent.slice(2) });
  });

  it("lists rooms and reads health", async () => {
    const roomId = uniqueRoom("listed");
    const alice = clientFor(stack.current, "alice");
    await alice.send(roomId, { text: "first" });

    const rooms = await alice.rooms();
    const health = await alice.health();

    expect(rooms.map((room) => room.roomId)).toContain(roomId);
    expect(health).toMatchObject({ status: "ok", stage: "local" });
  });

  it("lists nobody in a room no one is connected to", async () => {
    const alice = clientFor(stack.current, "alice");

    expect(await alice.members(uniqueRoom("empty"))).toEqual([]);
  });

  it("throws a ChatApiError with the ErrorResponse the API answered", async () => {
    const alice = clientFor(stack.current, "alice");

    const error = await alice.send("bad room", { text: "hi" }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ChatApiError);
    expect(error).toMatchObject({ status: 400, code: "validation_failed" });
    expect((error as ChatApiError).error.details).toEqual([{ path: "roomId", message: expect.any(String) }]);
    expect((error as ChatApiError).requestId).toBeTruthy();
  });

  it("refuses a bad message before sending it, with the same ErrorResponse shape", async () => {
    const relay = await proxy(stack.current.httpUrl, []);
    const alice = clientFor(stack.current, "alice", { httpUrl: relay.url });

    const error = await alice.send("general", { text: "   " }).catch((caught: unknown) => caught);

    expect(error).toMatchObject({
      status: 400,
      error: {
        code: "validation_failed",
        details: [{ path: "text", message: "must be 1 to 500 characters" }],
      },
    });
    expect(relay.exchanges).toEqual([]);
  });

  it("refuses an invalid identity when the client is created", () => {
    const create = () => clientFor(stack.current, "alice smith");

    expect(create).toThrow(ChatApiError);
  });
});

describe("ChatClient retries", () => {
  it("retries 503 and 429, honouring retry-after in seconds and as a date, and stores the message once", async () => {
    const roomId = uniqueRoom("retry");
    // An HTTP date has whole seconds: 3 s ahead is still ahead after up to 999 ms of truncation and the 1 s wait
    // for the 503 (2 s was not, on a busy machine: the date had passed and the wait was 0).
    const inThreeSeconds = new Date(Date.now() + 3_000).toUTCString();
    const flaky = await proxy(
      stack.current.httpUrl,
      [
        { answer: 503, retryAfter: "1" },
        { answer: 429, retryAfter: inThreeSeconds },
      ],
      posts,
    );
    const retries: RetryEvent[] = [];
    const alice = clientFor(stack.current, "alice", {
      httpUrl: flaky.url,
      onRetry: (event) => retries.push(event),
    });

    const message = await alice.send(roomId, { text: "eventually" });

    const attempts = flaky.exchanges.filter(({ method }) => method === "POST");
    expect(attempts.map(({ outcome }) => outcome)).toEqual([503, 429, 201]);
    expect(new Set(sentIds(attempts.map(({ body }) => body)))).toEqual(new Set([message.clientMessageId]));
    expect(retries.map(({ reason }) => reason)).toEqual([503, 429]);
    expect(retries[0]?.delayMs).toBe(1_000);
    expect(retries[1]?.delayMs).toBeGreaterThan(0);
    expect(retries[1]?.delayMs).toBeLessThanOrEqual(3_000);
    expect((await alice.history(roomId)).messages).toEqual([message]);
  });

  it("retries a send whose answer was lost after the API stored it, and gets the same message back", async () => {
    const roomId = uniqueRoom("lost-answer");
    const flaky = await proxy(stack.current.httpUrl, [{ forwardThenDrop: true }], posts);
    const alice = clientFor(stack.current, "alice", {
      httpUrl: flaky.url,
      retry: { baseDelayMs: 10 },
    });

    const message = await alice.send(roomId, { text: "stored once" });

    const attempts = flaky.exchanges.filter(({ method }) => method === "POST");
    expect(attempts.map(({ outcome }) => outcome)).toEqual(["dropped", 200]);
    const first = JSON.parse(attempts[0]?.upstreamBody ?? "{}") as { message?: unknown };
    expect(first.message).toEqual(message);
    expect((await alice.history(roomId)).messages).toEqual([message]);
  });

  it("retries a request that never reached the API", async () => {
    const flaky = await proxy(stack.current.httpUrl, [{ reset: true }, { reset: true }]);
    const retries: RetryEvent[] = [];
    const alice = clientFor(stack.current, "alice", {
      httpUrl: flaky.url,
      retry: { baseDelayMs: 10 },
      onRetry: (event) => retries.push(event),
    });

    const health = await alice.health();

    expect(health.status).toBe("ok");
    expect(retries.map(({ reason, attempt }) => [reason, attempt])).toEqual([
      ["network", 1],
      ["network", 2],
    ]);
  });

  it("gives up after the last attempt with the last error", async () => {
    const flaky = await proxy(stack.current.httpUrl, [{ answer: 503 }, { answer: 503 }, { answer: 503 }]);
    const alice = clientFor(stack.current, "alice", {
      httpUrl: flaky.url,
      retry: { attempts: 3, baseDelayMs: 10 },
    });

    const error = await alice.rooms().catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 503, code: "unavailable" });
    expect(flaky.exchanges).toHaveLength(3);
  });

  it("gives up at once when retry-after asks for longer than the longest wait", async () => {
    const flaky = await proxy(stack.current.httpUrl, [{ answer: 429, retryAfter: "120" }]);
    const alice = clientFor(stack.current, "alice", { httpUrl: flaky.url, retry: { maxDelayMs: 5_000 } });

    const error = await alice.health().catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 429, code: "rate_limited" });
    expect(flaky.exchanges).toHaveLength(1);
  });

  it("does not retry an error that retrying cannot fix", async () => {
    const flaky = await proxy(stack.current.httpUrl, []);
    const alice = clientFor(stack.current, "alice", { httpUrl: flaky.url });

    const error = await alice.history("Bad Room!").catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 400, code: "validation_failed" });
    expect(flaky.exchanges).toHaveLength(1);
  });

  it("throws a ChatNetworkError when the API cannot be reached at all", async () => {
    const flaky = await proxy(stack.current.httpUrl, [{ reset: true }, { reset: true }]);
    const alice = clientFor(stack.current, "alice", {
      httpUrl: flaky.url,
      retry: { attempts: 2, baseDelayMs: 10 },
    });

    const error = await alice.health().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ChatNetworkError);
    expect((error as Error).cause).toBeDefined();
  });

  it("stops retrying when the caller aborts", async () => {
    const flaky = await proxy(stack.current.httpUrl, [{ answer: 503, retryAfter: "20" }]);
    const alice = clientFor(stack.current, "alice", { httpUrl: flaky.url });
    const controller = new AbortController();

    const call = alice.health({ signal: controller.signal }).catch((caught: unknown) => caught);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error("left the page"));

    expect(await call).toMatchObject({ message: "left the page" });
    expect(flaky.exchanges).toHaveLength(1);
  });
});

describe("ChatClient answers outside the contract", () => {
  it("maps an error without an ErrorResponse body to the code of its status", async () => {
    const flaky = await proxy(stack.current.httpUrl, [{ answer: 404, body: '{"message":"Not Found"}' }]);
    const alice = clientFor(stack.current, "alice", { httpUrl: flaky.url });

    const error = await alice.rooms().catch((caught: unknown) => caught);

    expect(error).toMatchObject({ status: 404, code: "not_found" });
  });

  it("throws a ChatProtocolError for a success that does not match the schema", async () => {
    const flaky = await proxy(stack.current.httpUrl, [
      {
        answer: 200,
        body: '{"rooms":[{"roomId":"Bad Room","kind":"public","name":null,"createdBy":null}],"nextCursor":null}',
      },
    ]);
    const alice = clientFor(stack.current, "alice", { httpUrl: flaky.url });

    const error = await alice.rooms().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ChatProtocolError);
    expect((error as ChatProtocolError).issues.map(({ path }) => path)).toEqual([
      "rooms.0.roomId",
      "rooms.0.createdAt",
      "rooms.0.slowModeSeconds",
    ]);
  });
});
