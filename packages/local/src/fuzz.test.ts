import { ErrorResponse, GetMessagesResponse, SendMessageResponse, ServerFrame } from "@chat/types";
import fc from "fast-check";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "../test/clients";
import { type LocalStack, startLocalStack } from "./stack";

// Generated and mutated input on every route, through the real stack: never a 5xx, every rejection a valid
// ErrorResponse, nothing stored for a rejected request. FUZZ_RUNS scales it (the default keeps CI quick).
const runs = Number(process.env.FUZZ_RUNS ?? 1000);
let stack: LocalStack;
let requests = 0;

beforeAll(async () => {
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-fuzz",
    limits: { sendsPerMinute: 1_000_000, framesPerMinute: 1_000_000 },
  });
});

afterAll(async () => {
  console.log(`fuzz: ${requests} requests and frames`);
  await stack?.stop();
});

const call = async (path: string, init: RequestInit = {}) => {
  requests++;
  const response = await fetch(`${stack.httpUrl}${path}`, init);
  const text = await response.text();
  expect(response.status, `${init.method ?? "GET"} ${path} -> ${text}`).toBeLessThan(500);
  if (response.status >= 400) expect(v.safeParse(ErrorResponse, JSON.parse(text)).success, text).toBe(true);
  return { status: response.status, text };
};

const validBody = { userId: "fuzzer", username: "Fuzzer", text: "hello" };

/** Anything JSON can hold, plus strings that stress the text rules. */
const nasty = fc.oneof(
  fc.anything(),
  fc.string({ unit: "grapheme", maxLength: 600 }),
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\ud800",
    "a\udc00b",
    "\u200d",
    "<img src=x onerror=alert(1)>",
    "x".repeat(501),
  ),
);

const bodies = fc.oneof(
  // A valid body with one field replaced, dropped or added.
  fc
    .record({ key: fc.constantFrom("userId", "username", "text", "clientMessageId", "extra"), value: nasty })
    .map(({ key, value }) => JSON.stringify({ ...validBody, [key]: value })),
  fc.constantFrom("userId", "username", "text").map((key) => {
    const { [key as keyof typeof validBody]: _, ...rest } = validBody;
    return JSON.stringify(rest);
  }),
  fc.json(),
  fc.string({ maxLength: 200 }),
  fc.string({ maxLength: 100 }).map((s) => `{"userId": "u1", "text": ${s}`),
);

describe("fuzz", () => {
  it("survives generated bodies on POST, storing exactly the accepted ones", async () => {
    const roomId = "fuzz-body";
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const { status, text } = await call(`/rooms/${roomId}/messages`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        if (status === 201) {
          accepted++;
          expect(v.safeParse(SendMessageResponse, JSON.parse(text)).success).toBe(true);
        } else {
          expect(status === 200 || status === 400 || status === 413, `${status} ${text}`).toBe(true);
        }
      }),
      { numRuns: runs },
    );

    let stored = 0;
    let before: string | undefined;
    for (;;) {
      const { text } = await call(`/rooms/${roomId}/messages?limit=100${before ? `&before=${before}` : ""}`);
      const page = v.parse(GetMessagesResponse, JSON.parse(text));
      stored += page.messages.length;
      if (!page.hasMore) break;
      before = page.messages[0]?.id;
    }
    expect(stored).toBe(accepted);
  });

  it("survives generated query strings on GET history", async () => {
    const query = fc.array(
      fc.tuple(
        fc.constantFrom("limit", "before", "after", "x", ""),
        fc.oneof(fc.string(), fc.integer().map(String)),
      ),
      { maxLength: 4 },
    );
    await fc.assert(
      fc.asyncProperty(query, async (pairs) => {
        const { status } = await call(`/rooms/general/messages?${new URLSearchParams(pairs)}`);
        expect([200, 400]).toContain(status);
      }),
      { numRuns: runs },
    );
  });

  it("survives generated paths and methods", async () => {
    const segment = fc.oneof(
      fc.constantFrom("rooms", "general", "messages", "health", "..", "%", "%2F", ""),
      fc.string(),
    );
    const request = fc.record({
      method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH"),
      segments: fc.array(segment, { maxLength: 5 }),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, segments }) => {
        const path = `/${segments.map((s) => encodeURIComponent(s).replaceAll("%25", "%")).join("/")}`;
        await call(path, {
          method,
          ...(method !== "GET" && {
            body: JSON.stringify(validBody),
            headers: { "content-type": "application/json" },
          }),
        });
      }),
      { numRuns: runs },
    );
  });

  it("survives generated calls on the rooms and membership routes", async () => {
    // A room where the fuzzer is owner, so that calls get past the policy and reach the writes too.
    const owned = "fuzz-owned";
    await call("/rooms", {
      method: "POST",
      headers: { "content-type": "application/json", "x-user-id": "fuzzer" },
      body: JSON.stringify({ roomId: owned, kind: "private" }),
    });
    const routes = [
      ["POST", "/rooms"],
      ["GET", "/rooms"],
      ["GET", "/rooms/{roomId}"],
      ["PUT", "/direct/{userId}"],
      ["GET", "/me/rooms"],
      ["GET", "/rooms/{roomId}/members"],
      ["GET", "/rooms/{roomId}/presence"],
      ["PUT", "/rooms/{roomId}/members/{userId}"],
      ["DELETE", "/rooms/{roomId}/members/{userId}"],
      ["GET", "/rooms/{roomId}/bans"],
      ["PUT", "/rooms/{roomId}/bans/{userId}"],
      ["DELETE", "/rooms/{roomId}/bans/{userId}"],
      ["PUT", "/rooms/{roomId}/mutes/{userId}"],
      ["DELETE", "/rooms/{roomId}/mutes/{userId}"],
    ] as const;
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom("", " ", "%", "..", "\u0000", "ü", "a".repeat(200)),
    );
    // Header values must be printable ASCII, or fetch refuses to send them.
    const headerValue = fc.oneof(
      fc.stringMatching(/^[\x21-\x7e]{0,140}$/),
      fc.constantFrom("fuzzer", "other", "FUZZER", "a@b.c", ""),
    );
    const body = fc.oneof(
      fc.json(),
      fc.string({ maxLength: 100 }),
      fc
        .record(
          {
            roomId: fc.oneof(text, fc.constantFrom(owned, "general", "fresh-room")),
            kind: fc.oneof(nasty, fc.constantFrom("public", "private", "direct")),
            name: nasty,
            role: fc.oneof(nasty, fc.constantFrom("owner", "moderator", "member")),
            reason: nasty,
            until: fc.oneof(
              nasty,
              fc.date().map((d) => (Number.isNaN(d.getTime()) ? "x" : d.toISOString())),
            ),
          },
          { requiredKeys: [] },
        )
        .map((record) => JSON.stringify(record)),
    );
    const generated = fc.record({
      route: fc.constantFrom(...routes),
      roomId: fc.oneof(text, fc.constantFrom(owned, "general", "dm-0")),
      userId: fc.oneof(text, fc.constantFrom("fuzzer", "other", "a.b:c@d")),
      caller: fc.option(headerValue),
      name: fc.option(headerValue),
      query: fc.array(
        fc.tuple(fc.constantFrom("limit", "cursor", "x"), fc.oneof(fc.string(), fc.integer().map(String))),
        { maxLength: 3 },
      ),
      body,
    });
    await fc.assert(
      fc.asyncProperty(
        generated,
        async ({ route: [method, template], roomId, userId, caller, name, query, body }) => {
          const path = template
            .replace("{roomId}", encodeURIComponent(roomId))
            .replace("{userId}", encodeURIComponent(userId));
          const { status } = await call(`${path}?${new URLSearchParams(query)}`, {
            method,
            headers: {
              ...(caller !== null && { "x-user-id": caller }),
              ...(name !== null && { "x-user-name": name }),
              ...(method !== "GET" && method !== "DELETE" && { "content-type": "application/json" }),
            },
            ...(method !== "GET" && method !== "DELETE" && { body }),
          });
          expect([200, 201, 204, 400, 403, 404, 409, 413]).toContain(status);
        },
      ),
      { numRuns: runs },
    );
  });

  it("answers every generated frame with exactly one frame and keeps the socket open", async () => {
    const client = await connectClient(stack.wsUrl, {
      roomId: "fuzz-frames",
      userId: "fuzzer",
      username: "Fuzzer",
    });
    const frames = fc.oneof(
      fc.json(),
      fc.string({ maxLength: 300 }),
      fc
        .record({ type: fc.oneof(fc.constant("ping"), fc.string()), extra: fc.option(nasty) })
        .map((f) => JSON.stringify(f)),
    );
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(frames, async (frame) => {
        client.socket.send(frame);
        sent++;
        requests++;
        await client.waitFor(sent, () => true);
      }),
      { numRuns: runs },
    );
    expect(client.frames.every((frame) => v.safeParse(ServerFrame, frame).success)).toBe(true);
    expect(client.frames).toHaveLength(sent);
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    await client.close();
  });
});
