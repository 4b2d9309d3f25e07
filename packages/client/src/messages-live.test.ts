import type { ChatMessage } from "@chat/types";
import { describe, expect, it } from "vitest";
import { clientFor, uniqueRoom, useLocalStack, waitFor } from "../test/stack";
import { ChatApiError, type ReactionChange, type RealtimeConnection } from "./index";

// Real: the local stack (handlers, DynamoDB Local, the stream poller and broadcaster) over real HTTP and WebSocket.
const stack = useLocalStack({ tableName: "chat-client-live" });

const watch = (connection: RealtimeConnection) => {
  const seen = {
    messages: [] as ChatMessage[],
    updated: [] as ChatMessage[],
    deleted: [] as ChatMessage[],
    reactions: [] as ReactionChange[],
  };
  connection.on("message", (message) => seen.messages.push(message));
  connection.on("message.updated", (message) => seen.updated.push(message));
  connection.on("message.deleted", (message) => seen.deleted.push(message));
  connection.on("reaction", (change) => seen.reactions.push(change));
  return seen;
};

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (error: unknown) => (error instanceof ChatApiError ? `${error.status} ${error.code}` : String(error)),
  );

describe("ChatClient: messages that live", () => {
  it("edits, reacts and deletes over REST, and a follower's feed shows each message's latest state", async () => {
    const roomId = uniqueRoom("live");
    const alice = clientFor(stack.current, "alice");
    const bob = clientFor(stack.current, "bob");
    const connection = bob.connect({ rooms: [roomId], backlog: 0 });
    const seen = watch(connection);
    await waitFor("live", () => connection.status === "live");

    const sent = await alice.send(roomId, { text: "helo" });
    await waitFor("the message", () => seen.messages.length === 1);
    const edited = await alice.editMessage(roomId, sent.id, "hello");
    await waitFor("the edit", () => seen.updated.length === 1);
    await bob.addReaction(roomId, sent.id, "👍");
    await bob.addReaction(roomId, sent.id, "👍");
    await alice.addReaction(roomId, sent.id, "🎉");
    await waitFor("two reactions", () => seen.reactions.length === 2);
    const who = await alice.reactions(roomId, sent.id, "👍");
    await alice.removeReaction(roomId, sent.id, "🎉");
    await waitFor("the removal", () => seen.reactions.length === 3);
    const tombstone = await bob.deleteMessage(roomId, sent.id).catch((error: unknown) => error);
    const deleted = await alice.deleteMessage(roomId, sent.id);
    await waitFor("the delete", () => seen.deleted.length === 1);
    connection.close();

    expect(edited).toMatchObject({ id: sent.id, text: "hello", editedAt: expect.any(String) });
    expect(seen.updated).toEqual([edited]);
    expect(seen.reactions.map(({ emoji, userId, event, count }) => [emoji, userId, event, count])).toEqual([
      ["👍", "bob", "added", 1],
      ["🎉", "alice", "added", 1],
      ["🎉", "alice", "removed", 0],
    ]);
    expect(seen.reactions[1]?.message).toMatchObject({
      text: "hello",
      reactions: [
        { emoji: "👍", count: 1 },
        { emoji: "🎉", count: 1 },
      ],
    });
    expect(seen.reactions[2]?.message?.reactions).toEqual([{ emoji: "👍", count: 1 }]);
    expect(who).toEqual({
      users: [{ userId: "bob", username: "bob", reactedAt: expect.any(String) }],
      nextCursor: null,
    });
    expect(tombstone).toMatchObject({ status: 403, code: "forbidden" });
    expect(deleted).toMatchObject({ id: sent.id, text: "", reactions: [], deletedAt: expect.any(String) });
    expect(seen.deleted).toEqual([deleted]);
    expect((await alice.history(roomId)).messages).toEqual([deleted]);
  });

  it("refuses what the API refuses: another's edit, a deleted message, a bad emoji (unsent)", async () => {
    const roomId = uniqueRoom("refused");
    const alice = clientFor(stack.current, "alice");
    const bob = clientFor(stack.current, "bob");
    const sent = await alice.send(roomId, { text: "mine" });
    const gone = await alice.send(roomId, { text: "gone" });
    await alice.deleteMessage(roomId, gone.id);

    expect(await refusal(bob.editMessage(roomId, sent.id, "yours"))).toBe("403 forbidden");
    expect(await refusal(alice.editMessage(roomId, gone.id, "back"))).toBe("409 conflict");
    expect(await refusal(bob.addReaction(roomId, gone.id, "👍"))).toBe("409 conflict");
    expect(await refusal(bob.addReaction(roomId, sent.id, "a b"))).toBe("400 validation_failed");
    expect(await refusal(alice.editMessage(roomId, "nope", "x"))).toBe("400 validation_failed");
  });
});
