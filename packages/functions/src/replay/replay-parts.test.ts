import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ID_BEFORE_ARRIVAL_MS, StreamFailureRecord, windowOf } from "./failure-record";
import { sqsQueue } from "./sqs-queue";

// The record Lambda's on-failure destination sends for a DynamoDB stream batch (the AWS documentation's example).
const record = {
  requestContext: {
    requestId: "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
    functionArn: "arn:aws:lambda:us-east-2:123456789012:function:myfunction",
    condition: "RetryAttemptsExhausted",
    approximateInvokeCount: 1,
  },
  responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
  version: "1.0",
  timestamp: "2019-11-14T00:38:06.021Z",
  DDBStreamBatchInfo: {
    shardId: "shardId-00000001573689847184-864758bb",
    startSequenceNumber: "800000000003126276362",
    endSequenceNumber: "800000000003126276362",
    approximateArrivalOfFirstRecord: "2019-11-14T00:38:04Z",
    approximateArrivalOfLastRecord: "2019-11-14T00:38:05Z",
    batchSize: 1,
    streamArn: "arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/2019-11-14T00:04:06.388",
  },
};

describe("a stream failure record", () => {
  it("parses Lambda's on-failure record and refuses what is not one", () => {
    expect(v.is(StreamFailureRecord, record)).toBe(true);
    expect(v.is(StreamFailureRecord, { ...record, DDBStreamBatchInfo: undefined })).toBe(false);
    expect(v.is(StreamFailureRecord, { hello: "world" })).toBe(false);
  });

  it("covers its messages' ids: from before the first arrival to a second after the last (whole seconds)", () => {
    const { from, to } = windowOf(v.parse(StreamFailureRecord, record));

    expect(from.toISOString()).toBe(
      new Date(Date.parse("2019-11-14T00:38:04Z") - ID_BEFORE_ARRIVAL_MS).toISOString(),
    );
    expect(to.toISOString()).toBe("2019-11-14T00:38:06.000Z");
  });
});

describe("the failure queue on SQS", () => {
  // AWS itself is mocked here: a client whose `send` records the commands and answers a receive.
  const fakeClient = () => {
    const sent: unknown[] = [];
    const client = {
      send: async (command: unknown) => {
        sent.push(command);
        if (command instanceof ReceiveMessageCommand) {
          return { Messages: [{ Body: "{}", ReceiptHandle: "r-1" }, { Body: "no handle" }] };
        }
        return {};
      },
    } as unknown as SQSClient;
    return { client, sent };
  };
  const url = "https://sqs.us-east-1.amazonaws.com/123456789012/failures";

  it("receives with long polling and a visibility timeout, skipping messages without a receipt", async () => {
    const { client, sent } = fakeClient();

    const messages = await sqsQueue(client, url).receive();

    expect(messages).toEqual([{ body: "{}", receiptHandle: "r-1" }]);
    expect((sent[0] as ReceiveMessageCommand).input).toMatchObject({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 300,
      WaitTimeSeconds: 2,
    });
  });

  it("deletes a replayed message, and releases one at once", async () => {
    const { client, sent } = fakeClient();
    const queue = sqsQueue(client, url);

    await queue.delete("r-1");
    await queue.release("r-2");

    expect(sent[0]).toBeInstanceOf(DeleteMessageCommand);
    expect((sent[0] as DeleteMessageCommand).input).toEqual({ QueueUrl: url, ReceiptHandle: "r-1" });
    expect(sent[1]).toBeInstanceOf(ChangeMessageVisibilityCommand);
    expect((sent[1] as ChangeMessageVisibilityCommand).input).toEqual({
      QueueUrl: url,
      ReceiptHandle: "r-2",
      VisibilityTimeout: 0,
    });
  });
});
