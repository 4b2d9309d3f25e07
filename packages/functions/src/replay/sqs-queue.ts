import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { FailureQueue } from "./replay";

/** How long a received message stays hidden from other readers while the replay works on it. */
const VISIBILITY_SECONDS = 300;

/** The failure queue on SQS. */
export const sqsQueue = (client: SQSClient, queueUrl: string): FailureQueue => ({
  receive: async () => {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: VISIBILITY_SECONDS,
        // Long polling: an empty answer then means the queue has nothing visible (a short poll may miss some).
        WaitTimeSeconds: 2,
      }),
    );
    return Messages.flatMap(({ Body, ReceiptHandle }) =>
      Body !== undefined && ReceiptHandle !== undefined ? [{ body: Body, receiptHandle: ReceiptHandle }] : [],
    );
  },
  delete: async (receiptHandle) => {
    await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
  },
  release: async (receiptHandle) => {
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
  },
});
