import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalQueue, type LocalQueue, serveQueues } from "./sqs-queue";

// The SQS emulation behind the local webhook queue, driven through the real AWS SDK client.
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const start = async (
  invoke: (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>,
) => {
  const queue: LocalQueue = createLocalQueue({
    name: "test-queue",
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 3,
    delayScale: 0.001,
    invoke,
  });
  const server = await serveQueues([queue]);
  stops.push(queue.stop, server.close);
  const sqs = new SQSClient({
    endpoint: server.endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  stops.push(async () => sqs.destroy());
  return { queue, sqs, url: server.urlOf(queue) };
};

const until = async (condition: () => boolean) => {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe("the local SQS queue", () => {
  it("deletes what the consumer took, and moves a message failing maxReceiveCount times to the dead-letter queue", async () => {
    const receives: string[] = [];
    const { queue, sqs, url } = await start(async (event) => {
      receives.push(
        ...event.Records.map((record) => `${record.body}#${record.attributes.ApproximateReceiveCount}`),
      );
      return {
        batchItemFailures: event.Records.filter((record) => record.body === "bad").map((record) => ({
          itemIdentifier: record.messageId,
        })),
      };
    });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: "1", MessageBody: "good" },
          { Id: "2", MessageBody: "bad" },
        ],
      }),
    );
    await until(() => queue.deadLetters().length === 1);
    expect(queue.deadLetters()).toEqual(["bad"]);
    expect(queue.size()).toBe(0);
    expect(receives.filter((r) => r.startsWith("good"))).toEqual(["good#1"]);
    expect(receives.filter((r) => r.startsWith("bad"))).toEqual(["bad#1", "bad#2", "bad#3"]);
  });

  it("makes a message visible again when ChangeMessageVisibility says, not after the queue's timeout", async () => {
    const seen: number[] = [];
    let sqsClient: SQSClient | undefined;
    let queueUrl = "";
    const { sqs, url } = await start(async (event) => {
      const [record] = event.Records;
      if (!record) return { batchItemFailures: [] };
      seen.push(Date.now());
      if (seen.length > 1) return { batchItemFailures: [] };
      // 100 s scaled by 0.001: 100 ms (the queue's own timeout would be 30 ms).
      await sqsClient?.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: 100,
        }),
      );
      return { batchItemFailures: [{ itemIdentifier: record.messageId }] };
    });
    sqsClient = sqs;
    queueUrl = url;
    await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: "1", MessageBody: "later" }] }),
    );
    await until(() => seen.length === 2);
    expect((seen[1] ?? 0) - (seen[0] ?? 0)).toBeGreaterThanOrEqual(95);
  });
});
