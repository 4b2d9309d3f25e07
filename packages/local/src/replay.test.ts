import { ChatMessage } from "@chat/types";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, isMessage, type TestClient } from "../test/clients";
import { memoryQueue } from "./failure-queue";
import { type LocalStack, startLocalStack } from "./stack";

// The replay against the real local stack (DynamoDB Local, the WebSocket API emulation and its management API),
// with the broadcaster's failure queue in memory: SQS itself cannot run here. The queue's messages have the shape
// Lambda's on-failure destination gives a DynamoDB stream batch (AWS docs: "DDBStreamBatchInfo").
let stack: LocalStack;
// Imported once the stack has set the environment the handlers' code reads (as `lambda.ts` loads the handlers).
let replayFailures: typeof import("@chat/functions/replay/replay").replayFailures;
let logger: typeof import("@chat/functions/observability").logger;

beforeAll(async () => {
  stack = await startLocalStack({ httpPort: 0, wsPort: 0, tableName: "chat-replay", streamRetries: 1 });
  ({ replayFailures } = await import("@chat/functions/replay/replay"));
  ({ logger } = await import("@chat/functions/observability"));
});

afterAll(async () => {
  await stack?.stop();
});

const post = async (roomId: string, text: string) => {
  const response = await fetch(`${stack.httpUrl}/rooms/${roomId}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId: "poster", username: "poster", text }),
  });
  expect(response.status).toBe(201);
  return v.parse(v.object({ message: ChatMessage }), await response.json()).message;
};

/** A failure record as Lambda sends it, for a batch whose records reached the stream between two times. */
const failureRecord = (first: Date, last: Date) => {
  const second = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;
  return JSON.stringify({
    requestContext: {
      requestId: "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
      functionArn: "arn:aws:lambda:us-east-1:123456789012:function:chat-production-Broadcaster",
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 6,
    },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    version: "1.0",
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: "shardId-00000001573689847184-864758bb",
      startSequenceNumber: "800000000003126276362",
      endSequenceNumber: "800000000003126276363",
      approximateArrivalOfFirstRecord: second(first),
      approximateArrivalOfLastRecord: second(last),
      batchSize: 2,
      streamArn:
        "arn:aws:dynamodb:us-east-1:123456789012:table/chat-production-Table/stream/2026-11-29T00:00:00.000",
    },
  });
};

const messagesOf = (client: TestClient, id: string) =>
  client.frames.filter((frame) => isMessage(frame) && frame.message.id === id).length;

const listen = (roomId: string, userId: string) =>
  connectClient(stack.wsUrl, { roomId, userId, username: userId });

/** The first record of the queue once one is there (left visible). */
const waitForRecord = async (queue: LocalStack["failureQueue"]) => {
  for (let waited = 0; waited < 15_000; waited += 100) {
    const [first] = await queue.receive();
    if (first) {
      await queue.release(first.receiptHandle);
      return first;
    }
    await pause(100);
  }
  throw new Error("nothing reached the failure queue");
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("pnpm replay", () => {
  it("re-broadcasts a failed batch's messages from the table to their rooms, then deletes the queue message", async () => {
    const [alice, bob, carol] = await Promise.all([
      listen("replay-a", "alice"),
      listen("replay-a", "bob"),
      listen("replay-b", "carol"),
    ]);
    const inA = await post("replay-a", "lost in a");
    const inB = await post("replay-b", "lost in b");
    const arrived = new Date();
    // A message after the batch's window: not part of it.
    await pause(2_100);
    const later = await post("replay-a", "delivered later");
    await Promise.all([alice.waitFor(2, isMessage), bob.waitFor(2, isMessage), carol.waitFor(1, isMessage)]);
    const { queue, remaining } = memoryQueue([failureRecord(arrived, arrived)]);

    const report = await replayFailures({ queue, log: logger });

    await Promise.all([alice.waitFor(3, isMessage), bob.waitFor(3, isMessage), carol.waitFor(2, isMessage)]);
    expect([messagesOf(alice, inA.id), messagesOf(bob, inA.id), messagesOf(carol, inB.id)]).toEqual([
      2, 2, 2,
    ]);
    expect([messagesOf(alice, later.id), messagesOf(bob, later.id)]).toEqual([1, 1]);
    expect(report).toHaveLength(1);
    expect(report[0]?.messages.map((m) => m.id)).toEqual(expect.arrayContaining([inA.id, inB.id]));
    expect(report[0]?.messages.map((m) => m.id)).not.toContain(later.id);
    expect(report[0]).toMatchObject({ deleted: true, outcomes: { sent: 3, retry: 0 } });
    expect(remaining()).toEqual([]);
    await Promise.all([alice.close(), bob.close(), carol.close()]);
  });

  it("replays a batch the broadcaster gave up on, from the failure record the stream poller queued as Lambda would", async () => {
    const erin = await listen("replay-e2e", "erin");
    // The broadcaster fails the first delivery and its one retry (a failing post alone no longer does: it is retried
    // for that connection inside the invocation): the poller gives the batch up, and the replay's post gets through.
    stack.failBroadcasts(2);
    const lost = await post("replay-e2e", "never pushed");
    const queued = await waitForRecord(stack.failureQueue);
    expect(messagesOf(erin, lost.id)).toBe(0);

    const report = await replayFailures({ queue: stack.failureQueue, log: logger });

    await erin.waitFor(1, (frame) => isMessage(frame) && frame.message.id === lost.id);
    expect(JSON.parse(queued.body)).toMatchObject({
      requestContext: { condition: "RetryAttemptsExhausted" },
      DDBStreamBatchInfo: { batchSize: 1 },
    });
    // Its window (30 s before the record's arrival) may hold the earlier tests' messages too: they go out again.
    expect(report).toHaveLength(1);
    expect(report[0]?.messages.map((m) => m.id)).toContain(lost.id);
    expect(report[0]).toMatchObject({ deleted: true, outcomes: { retry: 0 } });
    expect(await stack.failureQueue.receive()).toEqual([]);
    await erin.close();
  });

  it("lists what it would send on a dry run, posts nothing and leaves the queue as it was", async () => {
    const dave = await listen("replay-dry", "dave");
    const lost = await post("replay-dry", "lost again");
    await dave.waitFor(1, isMessage);
    const record = failureRecord(new Date(), new Date());
    const { queue, remaining } = memoryQueue([record]);

    const report = await replayFailures({ queue, log: logger, dryRun: true });

    expect(report[0]?.messages).toEqual(
      expect.arrayContaining([{ id: lost.id, roomId: "replay-dry", createdAt: lost.createdAt }]),
    );
    expect(report[0]).toMatchObject({ deleted: false, outcomes: { sent: 0 } });
    await pause(500);
    expect(messagesOf(dave, lost.id)).toBe(1);
    expect(remaining()).toEqual([record]);
    await dave.close();
  });

  it("keeps a queue message that is not a stream failure record, and replays the others", async () => {
    const { queue, remaining } = memoryQueue([
      "not json",
      JSON.stringify({ hello: "world" }),
      failureRecord(new Date(), new Date()),
    ]);

    const report = await replayFailures({ queue, log: logger });

    expect(report.map((entry) => entry.deleted)).toEqual([false, false, true]);
    expect(report[0]?.kept).toBe("not a DynamoDB stream failure record");
    expect(remaining()).toEqual(["not json", JSON.stringify({ hello: "world" })]);
  });
});
