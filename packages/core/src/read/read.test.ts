import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { documentClient } from "../dynamo";
import * as Member from "../member";
import * as Message from "../message";
import * as Room from "../room";
import * as Read from ".";

let n = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${n++}`;
const user = (userId: string): Room.Caller => ({ userId, username: userId, admin: false });
const post = (roomId: string, userId: string, text = "hi") =>
  Message.send({ roomId, userId, username: userId, text }).then((r) => r.message);

describe("Read.mark", () => {
  it("moves the cursor forward only, answering the current state for an older id", async () => {
    const roomId = unique("read");
    const [ann, bob] = [unique("ann"), unique("bob")];
    await Room.preparePost(roomId, user(ann));
    const sent = [];
    for (let i = 0; i < 4; i++) sent.push(await post(roomId, bob));
    const [first, , third, fourth] = sent.map((m) => m.id);

    const atThird = await Read.mark(roomId, user(ann), third ?? "");
    const back = await Read.mark(roomId, user(ann), first ?? "");
    const atEnd = await Read.mark(roomId, user(ann), fourth ?? "");

    expect(atThird).toEqual({ roomId, lastReadId: third, unreadCount: 1, moved: true });
    expect(back).toEqual({ roomId, lastReadId: third, unreadCount: 1, moved: false });
    expect(atEnd).toEqual({ roomId, lastReadId: fourth, unreadCount: 0, moved: true });
  });

  it("ends at the newest id when many moves race", async () => {
    const roomId = unique("race");
    const reader = unique("r");
    const sent = [];
    for (let i = 0; i < 12; i++) sent.push(await post(roomId, unique("w")));
    const shuffled = [...sent].sort(() => Math.random() - 0.5);

    await Promise.all(shuffled.map((m) => Read.mark(roomId, user(reader), m.id)));

    const newest = sent.at(-1)?.id;
    const receipts = await Read.receipts(roomId, user(reader));
    expect(receipts.find((r) => r.userId === reader)?.lastReadId).toBe(newest);
    expect((await Read.cursorsOf(reader)).get(roomId)).toBe(newest);
  });

  it("refuses an id the room does not have with not_found, and an outsider of a private room", async () => {
    const roomId = unique("priv");
    const owner = user(unique("o"));
    await Room.create({ roomId, kind: "private" }, owner);
    const message = await post(roomId, owner.userId);
    const elsewhere = await post(unique("other"), owner.userId);

    await expect(Read.mark(roomId, owner, elsewhere.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(Read.mark(roomId, user("stranger"), message.id)).rejects.toMatchObject({
      code: "forbidden",
    });
  });
});

describe("Read.countUnread", () => {
  it("counts others' messages after the cursor, not one's own, up to 100", async () => {
    const roomId = unique("count");
    const [me, other] = [unique("me"), unique("other")];
    const mine = await post(roomId, me);
    await post(roomId, other);
    await post(roomId, me);
    await post(roomId, other);

    expect(await Read.countUnread(roomId, me, null)).toBe(2);
    expect(await Read.countUnread(roomId, me, mine.id)).toBe(2);
    expect(await Read.countUnread(roomId, other, mine.id)).toBe(1);
  });

  it("skips deleted messages (tombstones carry deletedAt)", async () => {
    const roomId = unique("tomb");
    const [me, other] = [unique("me"), unique("other")];
    const gone = await post(roomId, other);
    await post(roomId, other);
    // The tombstone as the delete half of issue 13 writes it: the row stays, with `deletedAt` set.
    const { Key, TableName } = Message.MessageEntity.get({ roomId, id: gone.id }).params();
    await documentClient.send(
      new UpdateCommand({
        TableName,
        Key,
        UpdateExpression: "SET deletedAt = :now",
        ExpressionAttributeValues: { ":now": new Date().toISOString() },
      }),
    );

    expect(await Read.countUnread(roomId, me, null)).toBe(1);
  });

  it("stops at 100 (100 or more)", async () => {
    const roomId = unique("many");
    const writer = unique("w");
    await Promise.all(Array.from({ length: 105 }, (_, i) => post(roomId, writer, `m${i}`)));

    expect(await Read.countUnread(roomId, unique("reader"), null)).toBe(100);
  });
});

describe("Member.rooms with read state", () => {
  it("gives each room its cursor and unread count", async () => {
    const me = user(unique("me"));
    const [read, unread, quiet] = [unique("a"), unique("b"), unique("c")];
    for (const roomId of [read, unread, quiet]) await Room.preparePost(roomId, me);
    const other = unique("o");
    const inRead = await post(read, other);
    const seen = await post(unread, other);
    await post(unread, other);
    await post(unread, me.userId);
    await post(unread, other);
    await Read.mark(read, me, inRead.id);
    await Read.mark(unread, me, seen.id);

    const { items } = await Member.rooms(me, { limit: 10 });
    const state = Object.fromEntries(items.map((i) => [i.room.roomId, [i.lastReadId, i.unreadCount]]));

    expect(state).toEqual({ [read]: [inRead.id, 0], [unread]: [seen.id, 2], [quiet]: [null, 0] });
  });
});
