import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { decodeTime } from "ulid";
import { afterEach, describe, expect, it, vi } from "vitest";
import { documentClient } from "../dynamo";
import { epochSeconds } from "../entity";
import * as Message from ".";
import { IdempotencyEntity } from "./idempotency-entity";

// Each test writes to rooms of its own, so tests never see each other's messages.
let rooms = 0;
const newRoom = () => `room-${process.pid}-${Date.now()}-${rooms++}`;

const sendMany = async (roomId: string, count: number) => {
  const sent: Message.SendResult[] = [];
  for (let i = 0; i < count; i++) {
    sent.push(await Message.send({ roomId, userId: "u1", username: "alice", text: `message ${i}` }));
  }
  return sent.map(({ message }) => message);
};

afterEach(() => {
  vi.useRealTimers();
});

describe("Message.send", () => {
  it("stores a message whose createdAt is the time in its id", async () => {
    const roomId = newRoom();
    const { message, created } = await Message.send({ roomId, userId: "u1", username: "alice", text: "hi" });

    expect(created).toBe(true);
    expect(message).toMatchObject({
      roomId,
      userId: "u1",
      username: "alice",
      text: "hi",
      clientMessageId: null,
    });
    expect(Date.parse(message.createdAt)).toBe(decodeTime(message.id));
    const { messages } = await Message.list(roomId, { limit: 10 });
    expect(messages).toEqual([message]);
  });

  it("keeps two messages sent in the same millisecond, in send order", async () => {
    const roomId = newRoom();
    // Ahead of the clock: ids are monotonic, so a time behind the last id would not be used.
    const frozen = new Date(Date.now() + 60 * 60 * 1000);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(frozen);

    const sent = await sendMany(roomId, 5);

    expect(new Set(sent.map((m) => m.createdAt))).toEqual(new Set([frozen.toISOString()]));
    expect(new Set(sent.map((m) => m.id)).size).toBe(5);
    const { messages } = await Message.list(roomId, { limit: 10 });
    expect(messages.map((m) => m.text)).toEqual(sent.map((m) => m.text));
  });

  it("returns the first message on a repeated clientMessageId, whatever the new text", async () => {
    const roomId = newRoom();
    const input = { roomId, userId: "u1", username: "alice", clientMessageId: "c-1" };
    const first = await Message.send({ ...input, text: "first" });

    const replay = await Message.send({ ...input, text: "second" });

    expect(first.created).toBe(true);
    expect(replay).toEqual({ message: first.message, created: false });
    const { messages } = await Message.list(roomId, { limit: 10 });
    expect(messages).toEqual([first.message]);
  });

  it("scopes clientMessageId to the user and the room", async () => {
    const roomId = newRoom();
    const base = { username: "alice", text: "hi", clientMessageId: "same" };

    const results = await Promise.all([
      Message.send({ ...base, roomId, userId: "u1" }),
      Message.send({ ...base, roomId, userId: "u2" }),
      Message.send({ ...base, roomId: newRoom(), userId: "u1" }),
    ]);

    expect(results.map((r) => r.created)).toEqual([true, true, true]);
    expect(new Set(results.map((r) => r.message.id)).size).toBe(3);
  });

  it("stores one message when the same send races with itself", async () => {
    const roomId = newRoom();
    const input = { roomId, userId: "u1", username: "alice", text: "once", clientMessageId: "race" };

    const results = await Promise.all(Array.from({ length: 5 }, () => Message.send(input)));

    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
    expect((await Message.list(roomId, { limit: 10 })).messages).toHaveLength(1);
  });

  it("no longer counts an idempotency key past its expiry", async () => {
    const roomId = newRoom();
    const input = { roomId, userId: "u1", username: "alice", text: "again", clientMessageId: "old" };
    await IdempotencyEntity.put({
      ...input,
      messageId: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
      expiresAt: epochSeconds() - 1,
    }).go();

    const { created, message } = await Message.send(input);

    expect(created).toBe(true);
    expect(message.text).toBe("again");
  });
});

describe("Message.list", () => {
  it("pages backwards from the newest with before and hasMore", async () => {
    const roomId = newRoom();
    const sent = await sendMany(roomId, 7);
    const texts = (page: Message.ListResult) => page.messages.map((m) => m.text);

    const newest = await Message.list(roomId, { limit: 3 });
    const older = await Message.list(roomId, { limit: 3, before: newest.messages[0]?.id });
    const oldest = await Message.list(roomId, { limit: 3, before: older.messages[0]?.id });

    expect([texts(newest), newest.hasMore]).toEqual([["message 4", "message 5", "message 6"], true]);
    expect([texts(older), older.hasMore]).toEqual([["message 1", "message 2", "message 3"], true]);
    expect([texts(oldest), oldest.hasMore]).toEqual([["message 0"], false]);
    expect(sent).toHaveLength(7);
  });

  it("pages forwards with after, oldest first, for reconnect catch-up", async () => {
    const roomId = newRoom();
    const sent = await sendMany(roomId, 5);

    const next = await Message.list(roomId, { limit: 2, after: sent[0]?.id });
    const rest = await Message.list(roomId, { limit: 2, after: next.messages.at(-1)?.id });
    const none = await Message.list(roomId, { limit: 2, after: sent[4]?.id });

    expect(next).toEqual({ messages: sent.slice(1, 3), hasMore: true });
    expect(rest).toEqual({ messages: sent.slice(3, 5), hasMore: false });
    expect(none).toEqual({ messages: [], hasMore: false });
  });

  it("says hasMore is false when the page is exactly the rest", async () => {
    const roomId = newRoom();
    await sendMany(roomId, 3);

    expect((await Message.list(roomId, { limit: 3 })).hasMore).toBe(false);
    expect((await Message.list(roomId, { limit: 2 })).hasMore).toBe(true);
  });

  it("reads an unknown room as empty", async () => {
    expect(await Message.list(newRoom(), { limit: 50 })).toEqual({ messages: [], hasMore: false });
  });
});

describe("Message.fromStreamImage", () => {
  it("reads a stored message item and refuses anything else", async () => {
    const roomId = newRoom();
    const [message] = await sendMany(roomId, 1);
    const key = Message.MessageEntity.get({ roomId, id: message?.id ?? "" }).params();
    const { Item: item } = await documentClient.send(new GetCommand(key));

    expect(Message.fromStreamImage(item ?? {})).toEqual(message);
    expect(Message.fromStreamImage({ ...item, text: "\u0000" })).toBeNull();
    expect(Message.fromStreamImage({ pk: "x", sk: "y" })).toBeNull();
  });
});
