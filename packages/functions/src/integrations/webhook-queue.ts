import type { SQSClient } from "@aws-sdk/client-sqs";
import { Resource } from "sst/resource";
import type { WebhookDelivery } from "./webhooks";

// The SQS client loads on the first delivery to queue or retry (a chunk of its own when bundled): a stage without
// webhooks never reads it, and the consumer's and the deliverer's cold starts do not either.
const sqsLibrary = () => import("@aws-sdk/client-sqs");
let sqs: SQSClient | undefined;
const client = async () => {
  const { SQSClient } = await sqsLibrary();
  sqs ??= new SQSClient({});
  return sqs;
};

const queueUrl = () => Resource.WebhookQueue.url;

/** Queues deliveries, 10 per SendMessageBatch (one SQS request per 10). Throws if any is refused. */
export const enqueue = async (deliveries: readonly WebhookDelivery[]): Promise<void> => {
  for (let start = 0; start < deliveries.length; start += 10) {
    const batch = deliveries.slice(start, start + 10);
    const { SendMessageBatchCommand } = await sqsLibrary();
    const { Failed = [] } = await (await client()).send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl(),
        Entries: batch.map((delivery, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(delivery),
        })),
      }),
    );
    if (Failed.length > 0)
      throw new Error(`the webhook queue refused ${Failed.length} deliveries: ${Failed[0]?.Code}`);
  }
};

/** Makes a failed delivery visible again in `seconds` (its backoff), instead of the queue's fixed timeout. */
export const retryLater = async (receiptHandle: string, seconds: number): Promise<void> => {
  const { ChangeMessageVisibilityCommand } = await sqsLibrary();
  await (await client()).send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl(),
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: seconds,
    }),
  );
};
