import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ModerationRequest } from "@chat/types";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectClient, historyIds } from "../test/clients";
import { type LocalStack, startLocalStack } from "./stack";

// The moderation hook is a real HTTP server on loopback; each test says how it answers.
type Answer = (request: ModerationRequest, response: ServerResponse) => void;
let answer: Answer;
const asked: ModerationRequest[] = [];
let hook: Server;
let stack: LocalStack;

const readBody = async (request: IncomingMessage) => {
  let body = "";
  for await (const chunk of request) body += chunk;
  return body;
};

const json = (response: ServerResponse, body: unknown) => {
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
};

beforeAll(async () => {
  hook = createServer(async (request, response) => {
    const body = JSON.parse(await readBody(request)) as ModerationRequest;
    asked.push(body);
    answer(body, response);
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-moderation",
    integrations: {
      webhooks: [],
      moderation: {
        url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/moderate`,
        timeoutMs: 300,
        onError: "allow",
      },
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  hook?.closeAllConnections();
  await new Promise((resolve) => hook?.close(resolve));
});

beforeEach(() => {
  asked.length = 0;
  answer = (_, response) => json(response, { action: "allow" });
});

let counter = 0;
const room = () => `mod-${Date.now().toString(36)}-${counter++}`;

const post = (roomId: string, text: string, extra: Record<string, string> = {}, userId = "alice") =>
  fetch(`${stack.httpUrl}/rooms/${roomId}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId, username: userId, text, ...extra }),
  });

/** The texts stored in a room, read back through the API. */
const storedTexts = async (roomId: string) => {
  const response = await fetch(`${stack.httpUrl}/rooms/${roomId}/messages`);
  const { messages } = (await response.json()) as { messages: { text: string }[] };
  return messages.map((message) => message.text);
};

describe("the moderation hook", () => {
  it("is asked before a message is stored, and an allow stores it as sent", async () => {
    const roomId = room();
    const response = await post(roomId, "hello there");
    expect(response.status).toBe(201);
    expect(asked).toEqual([{ roomId, userId: "alice", text: "hello there", parentId: null }]);
    expect(await storedTexts(roomId)).toEqual(["hello there"]);
  });

  it("stores the replaced text", async () => {
    answer = (request, response) =>
      json(response, { action: "replace", text: request.text.replace("darn", "d**n") });
    const roomId = room();
    const response = await post(roomId, "darn it");
    expect(response.status).toBe(201);
    expect(((await response.json()) as { message: { text: string } }).message.text).toBe("d**n it");
    expect(await storedTexts(roomId)).toEqual(["d**n it"]);
  });

  it("answers 422 blocked with the reason on a reject, and stores nothing (nor the idempotency key)", async () => {
    answer = (_, response) => json(response, { action: "reject", reason: "no spam here" });
    const roomId = room();
    const response = await post(roomId, "buy now", { clientMessageId: "rejected-1" });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      code: "blocked",
      message: "The message was refused by moderation",
      details: [{ path: "text", message: "no spam here" }],
    });
    expect(await historyIds(stack.httpUrl, roomId)).toEqual([]);
    // No idempotency key was kept either: the same send, once allowed, is a new message (201), not a replay.
    answer = (_, response) => json(response, { action: "allow" });
    expect((await post(roomId, "buy now", { clientMessageId: "rejected-1" })).status).toBe(201);
  });

  it("sends an error frame blocked on the socket for a rejected send, and the room gets nothing", async () => {
    answer = (_, response) => json(response, { action: "reject", reason: "not on the socket either" });
    const roomId = room();
    const client = await connectClient(stack.wsUrl, { roomId, userId: "bob", username: "bob" });
    client.socket.send(JSON.stringify({ type: "send", roomId, text: "spam", clientMessageId: "sock-1" }));
    const [frame] = await client.waitFor(1, (f) => f.type === "error", 30_000);
    expect(frame).toMatchObject({
      type: "error",
      clientMessageId: "sock-1",
      error: { code: "blocked", details: [{ path: "text", message: "not on the socket either" }] },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.frames.filter((f) => f.type === "message")).toEqual([]);
    await client.close();
    expect(await historyIds(stack.httpUrl, roomId)).toEqual([]);
  });

  it("treats a timeout as its onError (allow): the message is stored without waiting for the late answer", async () => {
    answer = (_, response) => setTimeout(() => json(response, { action: "reject", reason: "late" }), 1_500);
    const roomId = room();
    // Had the send waited for the late answer, it would be a 422.
    const response = await post(roomId, "slow hook");
    expect(response.status).toBe(201);
    expect(await storedTexts(roomId)).toEqual(["slow hook"]);
  });

  it("treats a crash (500, or an answer that is not a verdict) as its onError (allow)", async () => {
    const roomId = room();
    answer = (_, response) => response.writeHead(500).end("boom");
    expect((await post(roomId, "first")).status).toBe(201);
    answer = (_, response) => response.socket?.destroy();
    expect((await post(roomId, "second")).status).toBe(201);
    answer = (_, response) => json(response, { action: "maybe" });
    expect((await post(roomId, "third")).status).toBe(201);
    expect(await storedTexts(roomId)).toEqual(["first", "second", "third"]);
  });

  it("is not asked again for an idempotent replay of an accepted message", async () => {
    const roomId = room();
    expect((await post(roomId, "once", { clientMessageId: "c-1" })).status).toBe(201);
    answer = (_, response) => json(response, { action: "reject", reason: "would refuse now" });
    const replay = await post(roomId, "once", { clientMessageId: "c-1" });
    expect(replay.status).toBe(200);
    expect(asked).toHaveLength(1);
  });
});

describe("room blocklists", () => {
  const blocklist = (roomId: string, userId: string, words?: string[]) =>
    fetch(`${stack.httpUrl}/rooms/${roomId}/blocklist`, {
      method: words ? "PUT" : "GET",
      headers: { "content-type": "application/json", "x-user-id": userId },
      ...(words && { body: JSON.stringify({ words }) }),
    });

  it("refuses a listed word as a whole word, case-insensitively and Unicode-aware, without asking the hook", async () => {
    const roomId = room();
    expect((await post(roomId, "room opened", {}, "owner")).status).toBe(201);
    const put = await blocklist(roomId, "owner", ["Spam", "Ärger", "bad word"]);
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ roomId, words: ["bad word", "spam", "ärger"] });
    asked.length = 0;

    for (const text of ["SPAM!", "so much spam", "kein ÄRGER bitte", "a BAD WORD here", "ｓｐａｍ"]) {
      const response = await post(roomId, text, {}, "carol");
      expect(response.status, text).toBe(422);
      expect(((await response.json()) as { code: string }).code).toBe("blocked");
    }
    expect(asked).toEqual([]);
    for (const text of ["spammer", "antispam", "Ärgernis", "bad words", "spam_filter"]) {
      expect((await post(roomId, text, {}, "carol")).status, text).toBe(201);
    }
    expect(await storedTexts(roomId)).toEqual([
      "room opened",
      "spammer",
      "antispam",
      "Ärgernis",
      "bad words",
      "spam_filter",
    ]);
  });

  it("is read and replaced by moderators and owners only, within its limits", async () => {
    const roomId = room();
    expect((await post(roomId, "mine", {}, "owner2")).status).toBe(201);
    expect((await post(roomId, "joined", {}, "member2")).status).toBe(201);
    expect((await blocklist(roomId, "member2", ["x"])).status).toBe(403);
    expect((await blocklist(roomId, "member2")).status).toBe(403);
    expect((await blocklist("no-such-room-x", "owner2", ["x"])).status).toBe(404);
    const tooMany = await blocklist(
      roomId,
      "owner2",
      Array.from({ length: 501 }, (_, i) => `w${i}`),
    );
    expect(tooMany.status).toBe(400);
    const tooLong = await blocklist(roomId, "owner2", ["x".repeat(51)]);
    expect(((await tooLong.json()) as { details: { path: string }[] }).details[0]?.path).toBe("words.0");
    expect(await (await blocklist(roomId, "owner2")).json()).toEqual({ roomId, words: [] });
    await blocklist(roomId, "owner2", ["x"]);
    expect(await (await blocklist(roomId, "owner2", [])).json()).toEqual({ roomId, words: [] });
    expect((await post(roomId, "x", {}, "member2")).status).toBe(201);
  });
});
