import { describe, expect, it } from "vitest";
import * as Message from ".";

let rooms = 0;
const newRoom = () => `thread-${process.pid}-${Date.now()}-${rooms++}`;
const post = (roomId: string, text: string, extra: Partial<Message.SendInput> = {}) =>
  Message.send({ roomId, userId: "u1", username: "alice", text, ...extra }).then((r) => r.message);

describe("Message.send with a parentId", () => {
  it("stores a reply in the room's history and counts it on the parent", async () => {
    const roomId = newRoom();
    const parent = await post(roomId, "question");
    const reply = await post(roomId, "answer", { parentId: parent.id });

    const { messages } = await Message.list(roomId, { limit: 10 });

    expect(reply).toMatchObject({ parentId: parent.id, replyCount: 0 });
    expect(messages.map((m) => [m.text, m.parentId, m.replyCount])).toEqual([
      ["question", null, 1],
      ["answer", parent.id, 0],
    ]);
  });

  it("refuses a parent the room does not have with not_found, and a reply as parent with validation_failed", async () => {
    const roomId = newRoom();
    const parent = await post(roomId, "top");
    const reply = await post(roomId, "reply", { parentId: parent.id });
    const elsewhere = await post(newRoom(), "other room");

    // All three expectations are attached at once: a refusal that came before its `expect` was awaited would be
    // an unhandled rejection.
    await Promise.all([
      expect(post(roomId, "x", { parentId: "01ARZ3NDEKTSV4RRFFQ69G5FAV" })).rejects.toMatchObject({
        code: "not_found",
      }),
      expect(post(roomId, "x", { parentId: elsewhere.id })).rejects.toMatchObject({ code: "not_found" }),
      expect(post(roomId, "x", { parentId: reply.id })).rejects.toMatchObject({
        code: "validation_failed",
        details: [{ path: "parentId", message: "must be a top-level message, not a reply" }],
      }),
    ]);
    expect((await Message.list(roomId, { limit: 10 })).messages.map((m) => m.replyCount)).toEqual([1, 0]);
  });

  it("counts an idempotent replay of a reply once", async () => {
    const roomId = newRoom();
    const parent = await post(roomId, "top");
    const input = { parentId: parent.id, clientMessageId: "r-1" };

    const results = await Promise.all(Array.from({ length: 4 }, () => post(roomId, "again", input)));

    expect(new Set(results.map((m) => m.id)).size).toBe(1);
    const { messages } = await Message.list(roomId, { limit: 10 });
    expect(messages.map((m) => m.replyCount)).toEqual([1, 0]);
  });

  it("counts concurrent replies exactly", async () => {
    const roomId = newRoom();
    const parent = await post(roomId, "top");

    await Promise.all(Array.from({ length: 20 }, (_, i) => post(roomId, `r${i}`, { parentId: parent.id })));

    const [top] = (await Message.list(roomId, { limit: 1, after: "00000000000000000000000000" })).messages;
    expect(top).toMatchObject({ id: parent.id, replyCount: 20 });
  });
});

describe("Message.replies", () => {
  it("pages a thread oldest first with before, after and hasMore, and leaves other threads out", async () => {
    const roomId = newRoom();
    const parent = await post(roomId, "top");
    const other = await post(roomId, "other top");
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await post(roomId, `r${i}`, { parentId: parent.id }));
    await post(roomId, "elsewhere", { parentId: other.id });
    const texts = (page: Message.ListResult) => page.messages.map((m) => m.text);

    const newest = await Message.replies(roomId, parent.id, { limit: 3 });
    const older = await Message.replies(roomId, parent.id, { limit: 3, before: newest.messages[0]?.id });
    const forward = await Message.replies(roomId, parent.id, { limit: 2, after: sent[0]?.id });

    expect([texts(newest), newest.hasMore]).toEqual([["r2", "r3", "r4"], true]);
    expect([texts(older), older.hasMore]).toEqual([["r0", "r1"], false]);
    expect([texts(forward), forward.hasMore]).toEqual([["r1", "r2"], true]);
    expect(newest.messages[2]).toEqual(sent[4]);
  });

  it("answers not_found for a message the room does not have, and an empty page for a reply's replies", async () => {
    const roomId = newRoom();
    const parent = await post(roomId, "top");
    const reply = await post(roomId, "r", { parentId: parent.id });

    await expect(Message.replies(roomId, "01ARZ3NDEKTSV4RRFFQ69G5FAV", { limit: 5 })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(Message.replies(newRoom(), parent.id, { limit: 5 })).rejects.toMatchObject({
      code: "not_found",
    });
    expect(await Message.replies(roomId, reply.id, { limit: 5 })).toEqual({ messages: [], hasMore: false });
  });
});

describe("Message.around", () => {
  it("gives about half before, the message, half after, with hasOlder and hasNewer", async () => {
    const roomId = newRoom();
    const sent = [];
    for (let i = 0; i < 11; i++) sent.push(await post(roomId, `m${i}`));
    const ids = (result: Message.AroundResult) => result.messages.map((m) => m.text);

    const middle = await Message.around(roomId, sent[5]?.id ?? "", 5);
    const nearStart = await Message.around(roomId, sent[1]?.id ?? "", 5);
    const atEnd = await Message.around(roomId, sent[10]?.id ?? "", 4);
    const all = await Message.around(roomId, sent[3]?.id ?? "", 20);

    expect([ids(middle), middle.hasOlder, middle.hasNewer]).toEqual([
      ["m3", "m4", "m5", "m6", "m7"],
      true,
      true,
    ]);
    expect([ids(nearStart), nearStart.hasOlder, nearStart.hasNewer]).toEqual([
      ["m0", "m1", "m2", "m3", "m4"],
      false,
      true,
    ]);
    expect([ids(atEnd), atEnd.hasOlder, atEnd.hasNewer]).toEqual([["m7", "m8", "m9", "m10"], true, false]);
    expect([all.messages.length, all.hasOlder, all.hasNewer]).toEqual([11, false, false]);
  });

  it("answers not_found for an id the room does not have", async () => {
    const roomId = newRoom();
    await post(roomId, "m");
    await expect(Message.around(roomId, "01ARZ3NDEKTSV4RRFFQ69G5FAV", 5)).rejects.toMatchObject({
      code: "not_found",
    });
  });
});
