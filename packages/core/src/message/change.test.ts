import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { client } from "../dynamo";
import * as Message from ".";

// Each test writes to rooms of its own.
let rooms = 0;
const newRoom = () => `change-${process.pid}-${Date.now()}-${rooms++}`;
const caller = (userId: string) => ({ userId, username: userId, admin: false });

const sent = async (roomId = newRoom(), userId = "author") =>
  (await Message.send({ roomId, userId, username: userId, text: "first" })).message;

const history = async (roomId: string) => (await Message.list(roomId, { limit: 10 })).messages;

const reaction = (message: { roomId: string; id: string }, userId: string, emoji = "👍") => ({
  roomId: message.roomId,
  messageId: message.id,
  emoji,
  userId,
  username: userId,
});

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (error: { code?: string }) => error.code,
  );

describe("Message.edit", () => {
  it("changes the text and sets editedAt, which history shows", async () => {
    const message = await sent();

    const edited = await Message.edit(message.roomId, message.id, "author", "second");

    expect(edited).toMatchObject({ id: message.id, text: "second", deletedAt: null });
    expect(Date.parse(edited.editedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(message.createdAt));
    expect(await history(message.roomId)).toEqual([edited]);
  });

  it("refuses another user, an unknown message and a deleted one", async () => {
    const message = await sent();
    const other = await sent();
    await Message.remove(other.roomId, other.id, caller("author"));

    expect(await code(Message.edit(message.roomId, message.id, "someone", "x"))).toBe("forbidden");
    expect(await code(Message.edit(message.roomId, other.id, "author", "x"))).toBe("not_found");
    expect(await code(Message.edit(other.roomId, other.id, "author", "x"))).toBe("conflict");
    expect((await history(message.roomId))[0]?.text).toBe("first");
  });
});

describe("Message.remove", () => {
  it("leaves a tombstone in history, and answers the same tombstone again", async () => {
    const message = await sent();
    await Message.Reaction.add(reaction(message, "fan"));

    const tombstone = await Message.remove(message.roomId, message.id, caller("author"));
    const again = await Message.remove(message.roomId, message.id, caller("author"));

    expect(tombstone).toMatchObject({ id: message.id, text: "", reactions: [] });
    expect(tombstone.deletedAt).not.toBeNull();
    expect(again).toEqual(tombstone);
    expect(await history(message.roomId)).toEqual([tombstone]);
  });

  it("lets the room's owner delete a message, and refuses a plain member", async () => {
    const roomId = newRoom();
    const message = await sent(roomId);

    expect(await code(Message.remove(roomId, message.id, caller("someone")))).toBe("forbidden");
    expect(await code(Message.remove(roomId, "01ARZ3NDEKTSV4RRFFQ69G5FAV", caller("author")))).toBe(
      "not_found",
    );
    const admin = { userId: "admin", username: "admin", admin: true };
    expect((await Message.remove(roomId, message.id, admin)).deletedAt).not.toBeNull();
  });
});

describe("Message.Reaction", () => {
  it("counts each user once per emoji, in order of first use, and drops a count at 0", async () => {
    const message = await sent();

    await Message.Reaction.add(reaction(message, "u1", "🎉"));
    await Message.Reaction.add(reaction(message, "u1", "🎉"));
    await Message.Reaction.add(reaction(message, "u2", "👍"));
    await Message.Reaction.add(reaction(message, "u2", "🎉"));
    await Message.Reaction.remove(reaction(message, "u3", "🎉"));
    await Message.Reaction.remove(reaction(message, "u2", "👍"));
    await Message.Reaction.remove(reaction(message, "u2", "👍"));

    expect((await history(message.roomId))[0]?.reactions).toEqual([{ emoji: "🎉", count: 2 }]);
  });

  it("ends at the exact count when many users react at once, and at none when they all take it back", async () => {
    const message = await sent();
    const users = Array.from({ length: 30 }, (_, i) => `u${i}`);

    await Promise.all(users.map((userId) => Message.Reaction.add(reaction(message, userId))));
    const added = (await history(message.roomId))[0]?.reactions;
    await Promise.all(users.map((userId) => Message.Reaction.remove(reaction(message, userId))));

    expect(added).toEqual([{ emoji: "👍", count: 30 }]);
    expect((await history(message.roomId))[0]?.reactions).toEqual([]);
  }, 60_000);

  it("refuses an 11th emoji of one user and a 21st distinct emoji", async () => {
    const message = await sent();
    const emoji = (i: number) => `:e${i}:`;
    for (let i = 0; i < 10; i++) await Message.Reaction.add(reaction(message, "u1", emoji(i)));
    for (let i = 10; i < 20; i++) await Message.Reaction.add(reaction(message, "u2", emoji(i)));

    expect(await code(Message.Reaction.add(reaction(message, "u1", emoji(20))))).toBe("validation_failed");
    expect(await code(Message.Reaction.add(reaction(message, "u3", emoji(20))))).toBe("validation_failed");
    expect(await code(Message.Reaction.add(reaction(message, "u3", emoji(0))))).toBe("ok");
    expect((await history(message.roomId))[0]?.reactions).toHaveLength(20);
  }, 30_000);

  it("refuses reacting to a deleted or unknown message", async () => {
    const message = await sent();
    await Message.remove(message.roomId, message.id, caller("author"));

    expect(await code(Message.Reaction.add(reaction(message, "u1")))).toBe("conflict");
    expect(await code(Message.Reaction.remove(reaction(message, "u1")))).toBe("conflict");
    expect(
      await code(
        Message.Reaction.add({ ...reaction(message, "u1"), messageId: "01ARZ3NDEKTSV4RRFFQ69G5FAV" }),
      ),
    ).toBe("not_found");
  });

  it("lists who reacted with an emoji, page by page", async () => {
    const message = await sent();
    for (const userId of ["c", "a", "b"]) await Message.Reaction.add(reaction(message, userId));
    await Message.Reaction.add(reaction(message, "z", "🎉"));

    const first = await Message.Reaction.users(message.roomId, message.id, "👍", { limit: 2 });
    const rest = await Message.Reaction.users(message.roomId, message.id, "👍", {
      limit: 2,
      cursor: first.nextCursor ?? undefined,
    });

    expect(first.items.map((user) => user.userId)).toEqual(["a", "b"]);
    expect(rest).toEqual({
      items: [expect.objectContaining({ userId: "c", username: "c" })],
      nextCursor: null,
    });
    await Message.remove(message.roomId, message.id, caller("author"));
    expect(await Message.Reaction.users(message.roomId, message.id, "👍", { limit: 2 })).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it("rides out a run of transaction conflicts (AWS cancels concurrent transactions on one item) without drifting", async () => {
    const message = await sent();
    // Stand-in for AWS only: DynamoDB Local runs transactions one at a time and never reports a conflict, so the
    // first 6 TransactWriteItems are cancelled here as AWS cancels conflicting ones, before they reach Local.
    let conflicts = 6;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "TransactWriteItemsCommand" && conflicts-- > 0) {
          throw new TransactionCanceledException({
            message: "Transaction cancelled",
            $metadata: {},
            CancellationReasons: [{ Code: "None" }, { Code: "None" }, { Code: "TransactionConflict" }],
          });
        }
        return next(args);
      },
      { step: "initialize", name: "conflictingTransactions" },
    );
    try {
      await Message.Reaction.add(reaction(message, "u1"));
    } finally {
      client.middlewareStack.remove("conflictingTransactions");
    }

    expect(conflicts).toBeLessThan(0);
    expect((await history(message.roomId))[0]?.reactions).toEqual([{ emoji: "👍", count: 1 }]);
  }, 30_000);
});
