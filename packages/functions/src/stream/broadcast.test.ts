import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { Connection, Message } from "@chat/core";
import { documentClient } from "@chat/core/dynamo";
import { ServerFrame } from "@chat/types";
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { uniqueId } from "../../test/events";
import { invocationsReceived, postsReceived } from "../../test/fake-management-api";
import { DEADLINE_MARGIN_MS } from "../fan-out/retry";
import { handler } from "./broadcast";

let sequence = 1000;

/** A stream record of a message really stored in DynamoDB Local, as the event source mapping delivers it. */
const insertRecord = async (roomId: string, text: string): Promise<DynamoDBRecord> => {
  const { message } = await Message.send({ roomId, userId: "u1", username: "alice", text });
  const { Item } = await documentClient.send(
    new GetCommand(Message.MessageEntity.get({ roomId, id: message.id }).params()),
  );
  return imageRecord(Item ?? {});
};

const imageRecord = (
  image: Record<string, unknown>,
  eventName: "INSERT" | "MODIFY" = "INSERT",
): DynamoDBRecord =>
  ({
    eventID: uniqueId("event"),
    eventName,
    eventSource: "aws:dynamodb",
    dynamodb: { NewImage: marshall(image), SequenceNumber: String(sequence++), StreamViewType: "NEW_IMAGE" },
  }) as DynamoDBRecord;

const connectAll = (roomId: string, ids: string[]) =>
  Promise.all(
    ids.map((connectionId) =>
      Connection.connect({ connectionId, roomId, userId: "u", username: "u", maxConnections: 1_000 }),
    ),
  );

/** A connection row as left by a client that connected a minute ago. */
const connectedLongAgo = (roomId: string, connectionId: string) =>
  Connection.ConnectionEntity.put({
    connectionId,
    roomId,
    userId: "u",
    username: "u",
    connectedAt: new Date(Date.now() - 60_000).toISOString(),
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  }).go();

const received = async (connectionId: string) =>
  (await postsReceived())
    .filter((post) => post.connectionId === connectionId)
    .map((post) => v.parse(ServerFrame, JSON.parse(post.data)));

const broadcast = (records: DynamoDBRecord[], context?: Context) =>
  handler({ Records: records } satisfies DynamoDBStreamEvent, context);

/** A Lambda context leaving `ms` for retries once the invocation's margin is kept. */
const withTimeLeft = (ms: number) => ({ getRemainingTimeInMillis: () => DEADLINE_MARGIN_MS + ms }) as Context;

/** The shards handed to fan-out workers for a room (asynchronous invocations). */
const handedOn = async (roomId: string) =>
  (await invocationsReceived())
    .map((invocation) => invocation.payload as { roomId: string })
    .filter((payload) => payload.roomId === roomId);

describe("broadcaster", () => {
  it("pushes a message to every connection of its room and to no other", async () => {
    const [roomId, otherRoom] = [uniqueId("room"), uniqueId("room")];
    const [a, b, outsider] = [uniqueId("conn"), uniqueId("conn"), uniqueId("conn")];
    await connectAll(roomId, [a, b]);
    await connectAll(otherRoom, [outsider]);
    const record = await insertRecord(roomId, "hello room");

    const response = await broadcast([record]);

    expect(response).toEqual({ batchItemFailures: [] });
    for (const id of [a, b]) {
      expect(await received(id)).toEqual([
        { type: "message", message: expect.objectContaining({ text: "hello room" }) },
      ]);
    }
    expect(await received(outsider)).toEqual([]);
  });

  it("deletes a connection API Gateway reports gone, and still delivers to the rest", async () => {
    const roomId = uniqueId("room");
    const [gone, live] = [uniqueId("gone-conn"), uniqueId("conn")];
    await connectAll(roomId, [live]);
    await connectedLongAgo(roomId, gone);

    const response = await broadcast([await insertRecord(roomId, "anyone there?")]);

    expect(response).toEqual({ batchItemFailures: [] });
    const frames = await received(live);
    expect(frames.filter((frame) => frame.type === "message")).toHaveLength(1);
    expect(frames).toContainEqual({ type: "presence", roomId, event: "leave", userId: "u", username: "u" });
    expect((await Connection.inRoom(roomId)).connections.map((c) => c.connectionId)).toEqual([live]);
  });

  it("keeps a connection that reports gone while its handshake may still be completing", async () => {
    const roomId = uniqueId("room");
    const connecting = uniqueId("gone-conn");
    await connectAll(roomId, [connecting]);

    const response = await broadcast([await insertRecord(roomId, "welcome")]);

    expect(response).toEqual({ batchItemFailures: [] });
    expect((await Connection.inRoom(roomId)).connections.map((c) => c.connectionId)).toEqual([connecting]);
  });

  it("delivers to a connection throttled 3 times by retrying it alone: the other 49 of the room get it exactly once", async () => {
    const roomId = uniqueId("room");
    const flaky = uniqueId("flaky3-conn");
    const others = Array.from({ length: 49 }, () => uniqueId("conn"));
    const { unprocessed } = await Connection.ConnectionEntity.put(
      [flaky, ...others].map((connectionId) => ({
        connectionId,
        roomId,
        userId: "u",
        username: "u",
        connectedAt: new Date(Date.now() - 60_000).toISOString(),
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      })),
    ).go();
    expect(unprocessed).toEqual([]);
    const record = await insertRecord(roomId, "to all 50");

    const response = await broadcast([record], withTimeLeft(10_000));

    expect(response).toEqual({ batchItemFailures: [] });
    const posts = (await postsReceived()).filter((post) => post.data.includes("to all 50"));
    expect(posts.filter((post) => post.connectionId === flaky)).toHaveLength(4);
    for (const id of others)
      expect(
        posts.filter((post) => post.connectionId === id),
        id,
      ).toHaveLength(1);
    expect(await received(flaky)).toHaveLength(4);
    expect(await handedOn(roomId)).toEqual([]);
  });

  it.each([
    ["5xx", "broken-conn"],
    ["throttling", "throttled-conn"],
  ])(
    "hands the connections still owed a message at the deadline (one failing with %s) to fan-out workers, not the record",
    async (_, prefix) => {
      const [okRoom, badRoom] = [uniqueId("room"), uniqueId("room")];
      const [ok, bad, good] = [uniqueId("conn"), uniqueId(prefix), uniqueId("conn")];
      await connectAll(okRoom, [ok]);
      await connectAll(badRoom, [bad, good]);
      const first = await insertRecord(okRoom, "first");
      const failing = await insertRecord(badRoom, "second");
      const after = await insertRecord(okRoom, "third");

      const response = await broadcast([first, failing, after], withTimeLeft(2_000));

      expect(response).toEqual({ batchItemFailures: [] });
      // "third" comes after the failing record used up the time: posted if a moment was left, else handed on
      // untried; either way once.
      const posted = (await received(ok)).map((f) => f.type === "message" && f.message.text);
      const handed = (await handedOn(okRoom)) as unknown as { frame: { message: { text: string } } }[];
      expect([...posted, ...handed.map((shard) => shard.frame.message.text)]).toEqual(["first", "third"]);
      expect(await received(good)).toHaveLength(1);
      // Tried (and retried while the 2 s lasted: how often depends on the machine's speed).
      expect((await received(bad)).length).toBeGreaterThanOrEqual(1);
      const [handoff, ...more] = await handedOn(badRoom);
      expect(more).toEqual([]);
      expect(handoff).toMatchObject({
        roomId: badRoom,
        frame: { type: "message", message: { text: "second" } },
        connections: [{ connectionId: bad }],
        handoffs: 1,
      });
      expect((await Connection.inRoom(badRoom)).connections).toHaveLength(2);
    },
  );

  it("skips records that are not valid message inserts instead of retrying them", async () => {
    const roomId = uniqueId("room");
    const listener = uniqueId("conn");
    await connectAll(roomId, [listener]);
    const good = await insertRecord(roomId, "valid");
    const image = (good.dynamodb?.NewImage ?? {}) as Record<string, { S?: string }>;
    const broken = imageRecord({ __edb_e__: "message", __edb_v__: "1", roomId, id: "not-an-id", text: "x" });
    const modify = { ...good, eventName: "MODIFY" as const };

    const response = await broadcast([broken, modify, good]);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await received(listener)).toHaveLength(1);
    expect(image.text?.S).toBe("valid");
  });
});

/** The stored row of a message, as a stream image carries it. */
const storedRow = async (roomId: string, id: string) =>
  (await documentClient.send(new GetCommand(Message.MessageEntity.get({ roomId, id }).params()))).Item ?? {};

/** A MODIFY record of a message row: its images before and after `change`, as DynamoDB Local stored them. */
const modifyRecord = async (
  roomId: string,
  id: string,
  change: () => Promise<unknown>,
): Promise<DynamoDBRecord> => {
  const before = await storedRow(roomId, id);
  await change();
  const after = await storedRow(roomId, id);
  return {
    eventID: uniqueId("event"),
    eventName: "MODIFY",
    eventSource: "aws:dynamodb",
    dynamodb: {
      OldImage: marshall(before) as never,
      NewImage: marshall(after) as never,
      SequenceNumber: String(sequence++),
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
  };
};

describe("broadcaster: changes of a message", () => {
  const caller = { userId: "u1", username: "alice", admin: false };

  it("pushes one frame per change: message.updated, reaction added and removed, message.deleted", async () => {
    const roomId = uniqueId("room");
    const listener = uniqueId("conn");
    await connectAll(roomId, [listener]);
    const { message } = await Message.send({ roomId, userId: "u1", username: "alice", text: "first" });
    const reaction = { roomId, messageId: message.id, emoji: "🎉", userId: "u2", username: "bob" };

    const records = [
      await modifyRecord(roomId, message.id, () => Message.edit(roomId, message.id, "u1", "second")),
      await modifyRecord(roomId, message.id, () => Message.Reaction.add(reaction)),
      await modifyRecord(roomId, message.id, () => Message.Reaction.remove(reaction)),
      await modifyRecord(roomId, message.id, () => Message.remove(roomId, message.id, caller)),
    ];
    const response = await broadcast(records);

    expect(response).toEqual({ batchItemFailures: [] });
    const reactionFrame = { type: "reaction", roomId, messageId: message.id, emoji: "🎉", userId: "u2" };
    expect(await received(listener)).toEqual([
      {
        type: "message.updated",
        message: expect.objectContaining({ text: "second", editedAt: expect.any(String) }),
      },
      { ...reactionFrame, event: "added", count: 1 },
      { ...reactionFrame, event: "removed", count: 0 },
      {
        type: "message.deleted",
        message: expect.objectContaining({ text: "", deletedAt: expect.any(String) }),
      },
    ]);
  });

  it("pushes nothing for a change of a message row that is no edit, delete or reaction", async () => {
    const roomId = uniqueId("room");
    const listener = uniqueId("conn");
    await connectAll(roomId, [listener]);
    const { message } = await Message.send({ roomId, userId: "u1", username: "alice", text: "first" });
    await Message.edit(roomId, message.id, "u1", "edited once");
    // Another writer of the row (a reply count, say) leaves editedAt, deletedAt and lastReaction as they were.
    const other = await modifyRecord(roomId, message.id, () =>
      documentClient.send(
        new UpdateCommand({
          ...Message.MessageEntity.get({ roomId, id: message.id }).params(),
          UpdateExpression: "ADD replyCount :one",
          ExpressionAttributeValues: { ":one": 1 },
        }),
      ),
    );

    expect(await broadcast([other])).toEqual({ batchItemFailures: [] });
    expect(await received(listener)).toEqual([]);
  });
});
