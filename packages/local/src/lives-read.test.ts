import {
  ErrorResponse,
  GetMessagesResponse,
  GetRepliesResponse,
  MarkReadResponse,
  MyRoomsResponse,
  ReadsResponse,
  SendMessageResponse,
  type ServerFrame,
} from "@chat/types";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, isMessage } from "../test/clients";
import { type LocalStack, startLocalStack } from "./stack";

// "Messages that live", part 2, end to end through the local stack (real DynamoDB Local, real HTTP and WebSocket
// clients): replies and threads, jumping to a message, read cursors, unread counts, read receipts and `read` frames.
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-lives-read",
    limits: { sendsPerMinute: 1_000_000, framesPerMinute: 1_000_000, presenceSettleMs: 0 },
  });
});

afterAll(async () => {
  await stack?.stop();
});

let n = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${n++}`;

const call = async (method: string, path: string, as: string | null, body?: unknown) => {
  const response = await fetch(`${stack.httpUrl}${path}`, {
    method,
    headers: {
      ...(as !== null && { "x-user-id": as }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as unknown };
};

const send = async (roomId: string, userId: string, text: string, extra: object = {}) => {
  const { status, body } = await call("POST", `/rooms/${roomId}/messages`, userId, {
    userId,
    username: userId,
    text,
    ...extra,
  });
  expect(status, JSON.stringify(body)).toBeLessThan(300);
  return v.parse(SendMessageResponse, body).message;
};

const errorCode = (body: unknown) => v.parse(ErrorResponse, body).code;

describe("replies", () => {
  it("stores a reply in the room's history, counts it on the parent, and pushes it as a message frame with parentId", async () => {
    const roomId = unique("thread");
    const parent = await send(roomId, "ann", "question");
    const listener = await connectClient(stack.wsUrl, { roomId, userId: "bob", username: "bob" });

    const reply = await send(roomId, "bob", "answer", { parentId: parent.id });
    const [frame] = await listener.waitFor(1, (f) => isMessage(f) && f.message.id === reply.id);
    const history = v.parse(GetMessagesResponse, (await call("GET", `/rooms/${roomId}/messages`, null)).body);

    expect(reply).toMatchObject({ parentId: parent.id, replyCount: 0 });
    expect(frame).toEqual({ type: "message", message: reply });
    expect(history.messages.map((m) => [m.id, m.parentId, m.replyCount])).toEqual([
      [parent.id, null, 1],
      [reply.id, parent.id, 0],
    ]);
    await listener.close();
  });

  it("takes a reply over the socket's send frame too, acknowledged with parentId", async () => {
    const roomId = unique("wsreply");
    const parent = await send(roomId, "ann", "top");
    const client = await connectClient(stack.wsUrl, { roomId, userId: "cy", username: "cy" });

    client.socket.send(
      JSON.stringify({ type: "send", roomId, text: "via ws", clientMessageId: "w1", parentId: parent.id }),
    );
    const [ack] = await client.waitFor(1, (f) => f.type === "ack");

    expect(ack).toMatchObject({ type: "ack", message: { parentId: parent.id, text: "via ws" } });
    await client.close();
  });

  it("refuses an unknown parent with 404, a reply as parent with 400, and a malformed parentId with 400", async () => {
    const roomId = unique("refuse");
    const parent = await send(roomId, "ann", "top");
    const reply = await send(roomId, "ann", "re", { parentId: parent.id });
    const post = (parentId: string) =>
      call("POST", `/rooms/${roomId}/messages`, "ann", {
        userId: "ann",
        username: "ann",
        text: "x",
        parentId,
      });

    const unknown = await post("01ARZ3NDEKTSV4RRFFQ69G5FAV");
    const nested = await post(reply.id);
    const malformed = await post("nope");

    expect([unknown.status, errorCode(unknown.body)]).toEqual([404, "not_found"]);
    expect([nested.status, errorCode(nested.body)]).toEqual([400, "validation_failed"]);
    expect(nested.body).toMatchObject({ details: [{ path: "parentId" }] });
    expect([malformed.status, errorCode(malformed.body)]).toEqual([400, "validation_failed"]);
  });

  it("counts concurrent replies exactly, and a replayed reply once", async () => {
    const roomId = unique("count");
    const parent = await send(roomId, "ann", "top");

    await Promise.all(
      Array.from({ length: 25 }, (_, i) => send(roomId, `u${i % 5}`, `r${i}`, { parentId: parent.id })),
    );
    await Promise.all(
      Array.from({ length: 3 }, () =>
        send(roomId, "ann", "same", { parentId: parent.id, clientMessageId: "k" }),
      ),
    );
    const around = v.parse(
      GetMessagesResponse,
      (await call("GET", `/rooms/${roomId}/messages?around=${parent.id}&limit=1`, null)).body,
    );

    expect(around.messages).toEqual([expect.objectContaining({ id: parent.id, replyCount: 26 })]);
  });

  it("pages a thread's replies oldest first, for readers only", async () => {
    const roomId = unique("pages");
    await call("POST", "/rooms", "owner", { roomId, kind: "private" });
    const parent = await send(roomId, "owner", "top");
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await send(roomId, "owner", `r${i}`, { parentId: parent.id }));
    const path = `/rooms/${roomId}/messages/${parent.id}/replies`;

    const newest = await call("GET", `${path}?limit=3`, "owner");
    const older = await call("GET", `${path}?limit=3&before=${replies[2]?.id}`, "owner");
    const after = await call("GET", `${path}?after=${replies[3]?.id}`, "owner");
    const outsider = await call("GET", path, "stranger");
    const unknown = await call(
      "GET",
      `/rooms/${roomId}/messages/01ARZ3NDEKTSV4RRFFQ69G5FAV/replies`,
      "owner",
    );
    const both = await call("GET", `${path}?before=${parent.id}&after=${parent.id}`, "owner");

    expect(v.parse(GetRepliesResponse, newest.body)).toEqual({
      roomId,
      parentId: parent.id,
      messages: replies.slice(2),
      hasMore: true,
    });
    expect(v.parse(GetRepliesResponse, older.body)).toMatchObject({
      messages: replies.slice(0, 2),
      hasMore: false,
    });
    expect(v.parse(GetRepliesResponse, after.body)).toMatchObject({
      messages: replies.slice(4),
      hasMore: false,
    });
    expect([outsider.status, errorCode(outsider.body)]).toEqual([403, "forbidden"]);
    expect([unknown.status, errorCode(unknown.body)]).toEqual([404, "not_found"]);
    expect([both.status, errorCode(both.body)]).toEqual([400, "validation_failed"]);
  });
});

describe("jump to a message", () => {
  it("answers the page around a message with hasOlder and hasNewer; 404 for an unknown id; 400 with before or after", async () => {
    const roomId = unique("jump");
    const sent = [];
    for (let i = 0; i < 9; i++) sent.push(await send(roomId, "ann", `m${i}`));
    const target = sent[4]?.id ?? "";

    const page = await call("GET", `/rooms/${roomId}/messages?around=${target}&limit=5`, null);
    const unknown = await call("GET", `/rooms/${roomId}/messages?around=01ARZ3NDEKTSV4RRFFQ69G5FAV`, null);
    const withBefore = await call("GET", `/rooms/${roomId}/messages?around=${target}&before=${target}`, null);

    expect(v.parse(GetMessagesResponse, page.body)).toEqual({
      roomId,
      messages: sent.slice(2, 7),
      hasMore: true,
      hasOlder: true,
      hasNewer: true,
    });
    expect([unknown.status, errorCode(unknown.body)]).toEqual([404, "not_found"]);
    expect([withBefore.status, errorCode(withBefore.body)]).toEqual([400, "validation_failed"]);
  });
});

describe("read state", () => {
  it("moves the cursor forward only, counts others' unread messages, and shows both in GET /me/rooms", async () => {
    const roomId = unique("read");
    const quiet = unique("quiet");
    await send(quiet, "me", "my own room");
    const first = await send(roomId, "me", "hello");
    const theirs = [];
    for (let i = 0; i < 3; i++) theirs.push(await send(roomId, "you", `t${i}`));
    await send(roomId, "me", "mine again");

    const before = v.parse(MyRoomsResponse, (await call("GET", "/me/rooms", "me")).body);
    const marked = await call("PUT", `/rooms/${roomId}/read`, "me", { messageId: theirs[0]?.id });
    const back = await call("PUT", `/rooms/${roomId}/read`, "me", { messageId: first.id });
    const after = v.parse(MyRoomsResponse, (await call("GET", "/me/rooms", "me")).body);

    const entry = (list: MyRoomsResponse, id: string) => list.rooms.find((r) => r.room.roomId === id);
    expect(entry(before, roomId)).toMatchObject({ lastReadId: null, unreadCount: 3 });
    expect(entry(before, quiet)).toMatchObject({ lastReadId: null, unreadCount: 0 });
    expect(marked.status).toBe(200);
    expect(v.parse(MarkReadResponse, marked.body)).toEqual({
      roomId,
      lastReadId: theirs[0]?.id,
      unreadCount: 2,
    });
    expect(back).toEqual({ status: 200, body: { roomId, lastReadId: theirs[0]?.id, unreadCount: 2 } });
    expect(entry(after, roomId)).toMatchObject({ lastReadId: theirs[0]?.id, unreadCount: 2 });
  });

  it("ends at the newest id when many PUT /read race", async () => {
    const roomId = unique("race");
    const sent = [];
    for (let i = 0; i < 15; i++) sent.push(await send(roomId, "writer", `m${i}`));
    const shuffled = [...sent].sort(() => Math.random() - 0.5);

    const answers = await Promise.all(
      shuffled.map((m) => call("PUT", `/rooms/${roomId}/read`, "racer", { messageId: m.id })),
    );
    const reads = v.parse(ReadsResponse, (await call("GET", `/rooms/${roomId}/reads`, "racer")).body);

    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(reads.reads).toEqual([
      { userId: "racer", lastReadId: sent.at(-1)?.id, readAt: expect.any(String) as string },
    ]);
  });

  it("refuses a message not in the room (404), a bad body (400), and an outsider of a private room (403)", async () => {
    const roomId = unique("closed");
    await call("POST", "/rooms", "boss", { roomId, kind: "private" });
    const inRoom = await send(roomId, "boss", "x");
    const elsewhere = await send(unique("else"), "boss", "y");

    const notHere = await call("PUT", `/rooms/${roomId}/read`, "boss", { messageId: elsewhere.id });
    const bad = await call("PUT", `/rooms/${roomId}/read`, "boss", { messageId: "nope" });
    const extra = await call("PUT", `/rooms/${roomId}/read`, "boss", { messageId: inRoom.id, more: 1 });
    const outsider = await call("PUT", `/rooms/${roomId}/read`, "stranger", { messageId: inRoom.id });
    const outsiderReads = await call("GET", `/rooms/${roomId}/reads`, "stranger");

    expect([notHere.status, errorCode(notHere.body)]).toEqual([404, "not_found"]);
    expect([bad.status, errorCode(bad.body)]).toEqual([400, "validation_failed"]);
    expect([extra.status, errorCode(extra.body)]).toEqual([400, "validation_failed"]);
    expect([outsider.status, errorCode(outsider.body)]).toEqual([403, "forbidden"]);
    expect([outsiderReads.status, errorCode(outsiderReads.body)]).toEqual([403, "forbidden"]);
  });

  it("tells the room's connections a read frame when a cursor moves, and nothing when it does not", async () => {
    const roomId = unique("frames");
    const [m1, m2] = [await send(roomId, "ann", "one"), await send(roomId, "ann", "two")];
    const watcher = await connectClient(stack.wsUrl, { roomId, userId: "ann", username: "ann" });

    await call("PUT", `/rooms/${roomId}/read`, "bob", { messageId: m2.id });
    await call("PUT", `/rooms/${roomId}/read`, "bob", { messageId: m1.id });
    await call("PUT", `/rooms/${roomId}/read`, "cat", { messageId: m1.id });
    const reads = await watcher.waitFor(2, (f) => f.type === "read");
    // The refused move back was not told: a later frame would have come before cat's.
    await new Promise((resolve) => setTimeout(resolve, 200));

    const readFrames = watcher.frames.filter(
      (f): f is Extract<ServerFrame, { type: "read" }> => f.type === "read",
    );
    expect(reads).toHaveLength(2);
    expect(readFrames).toEqual([
      { type: "read", roomId, userId: "bob", messageId: m2.id },
      { type: "read", roomId, userId: "cat", messageId: m1.id },
    ]);
    await watcher.close();
  });

  it("refuses read receipts in a room of more than 100 readers with 403", async () => {
    const roomId = unique("big");
    const message = await send(roomId, "ann", "hello all");
    for (let batch = 0; batch < 101; batch += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, 101 - batch) }, (_, i) =>
          call("PUT", `/rooms/${roomId}/read`, `reader-${batch + i}`, { messageId: message.id }),
        ),
      );
    }

    const reads = await call("GET", `/rooms/${roomId}/reads`, "ann");

    expect([reads.status, errorCode(reads.body)]).toEqual([403, "forbidden"]);
  });
});
