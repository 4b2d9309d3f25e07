import { afterEach, describe, expect, it } from "vitest";
import { clientFor, uniqueRoom, useLocalStack, waitFor } from "../test/stack";
import { ChatApiError, type ReadNotice, type RealtimeConnection } from "./index";

// Real: the local stack (DynamoDB Local, the HTTP and WebSocket APIs, the stream poller), real HTTP and WebSocket
// clients. Replies, jumping to a message, read cursors and `read` events through the SDK.
const stack = useLocalStack();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const follow = (connection: RealtimeConnection) => {
  cleanups.push(() => connection.close());
  return connection;
};

describe("threads through the SDK", () => {
  it("sends replies over REST and the socket, and pages the thread", async () => {
    const roomId = uniqueRoom("sdk-thread");
    const ann = clientFor(stack.current, "ann");
    const question = await ann.send(roomId, { text: "question?" });
    const live = follow(ann.connect({ rooms: [roomId] }));

    const overRest = await ann.send(roomId, { text: "over rest", parentId: question.id });
    const overSocket = await live.send(roomId, "over the socket", { parentId: question.id });
    const thread = await ann.replies(roomId, question.id);
    const older = await ann.replies(roomId, question.id, { limit: 1, before: overSocket.id });

    expect([overRest.parentId, overSocket.parentId]).toEqual([question.id, question.id]);
    expect(thread).toEqual({
      roomId,
      parentId: question.id,
      messages: [overRest, overSocket],
      hasMore: false,
    });
    expect(older.messages).toEqual([overRest]);
    const [top] = (await ann.history(roomId, { limit: 1, after: "0".repeat(26) })).messages;
    expect(top?.replyCount).toBe(2);
  });

  it("refuses a reply to a reply with a 400 ChatApiError, and a bad parentId unsent", async () => {
    const roomId = uniqueRoom("sdk-nested");
    const ann = clientFor(stack.current, "ann");
    const top = await ann.send(roomId, { text: "top" });
    const reply = await ann.send(roomId, { text: "re", parentId: top.id });

    const nested = await ann.send(roomId, { text: "x", parentId: reply.id }).catch((e: unknown) => e);
    const malformed = await ann.send(roomId, { text: "x", parentId: "nope" }).catch((e: unknown) => e);

    expect(nested).toBeInstanceOf(ChatApiError);
    expect(nested).toMatchObject({ status: 400, code: "validation_failed" });
    expect(malformed).toMatchObject({ status: 400, code: "validation_failed", requestId: undefined });
  });

  it("jumps to a message with messagesAround", async () => {
    const roomId = uniqueRoom("sdk-around");
    const ann = clientFor(stack.current, "ann");
    const sent = [];
    for (let i = 0; i < 7; i++) sent.push(await ann.send(roomId, { text: `m${i}` }));

    const page = await ann.messagesAround(roomId, sent[3]?.id ?? "", { limit: 3 });
    const missing = await ann.messagesAround(roomId, "01ARZ3NDEKTSV4RRFFQ69G5FAV").catch((e: unknown) => e);

    expect(page).toMatchObject({ messages: sent.slice(2, 5), hasOlder: true, hasNewer: true });
    expect(missing).toMatchObject({ status: 404, code: "not_found" });
  });
});

describe("read state through the SDK", () => {
  it("marks read, shows the state in myRooms and reads, and emits read events to followers", async () => {
    const roomId = uniqueRoom("sdk-read");
    const [ann, bob] = [clientFor(stack.current, "ann"), clientFor(stack.current, "bob")];
    await bob.send(roomId, { text: "I am here" });
    const sent = [];
    for (let i = 0; i < 3; i++) sent.push(await ann.send(roomId, { text: `m${i}` }));
    const notices: ReadNotice[] = [];
    const live = follow(ann.connect({ rooms: [roomId] }));
    live.on("read", (notice) => notices.push(notice));
    await waitFor("live", () => live.status === "live");

    const before = (await bob.myRooms()).rooms.find((r) => r.room.roomId === roomId);
    const marked = await bob.markRead(roomId, sent[1]?.id ?? "");
    const back = await bob.markRead(roomId, sent[0]?.id ?? "");
    const after = (await bob.myRooms()).rooms.find((r) => r.room.roomId === roomId);
    const reads = await ann.reads(roomId);
    await waitFor("a read event", () => notices.length >= 1);

    expect(before).toMatchObject({ lastReadId: null, unreadCount: 3 });
    expect(marked).toEqual({ roomId, lastReadId: sent[1]?.id, unreadCount: 1 });
    expect(back).toEqual(marked);
    expect(after).toMatchObject({ lastReadId: sent[1]?.id, unreadCount: 1 });
    expect(reads).toEqual([{ userId: "bob", lastReadId: sent[1]?.id, readAt: expect.any(String) as string }]);
    expect(notices).toEqual([{ roomId, userId: "bob", messageId: sent[1]?.id }]);
  });
});
