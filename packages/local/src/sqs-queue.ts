import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

/** A function fed by an SQS event source mapping (`ReportBatchItemFailures`). */
export type QueueFunction = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface LocalQueueOptions {
  name: string;
  /** The queue's visibility timeout: how long a received message stays hidden unless the consumer changes it. */
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the dead-letter queue (the redrive policy's `maxReceiveCount`). */
  maxReceiveCount: number;
  /** Multiplies every delay and timeout (1 = real time; tests use e.g. 0.01 so 5 s pass in 50 ms). */
  delayScale?: number;
  /** Most messages per invocation (the event source mapping's batch size). */
  batchSize?: number;
  /** Batches in flight at once (Lambda's SQS poller runs several). */
  concurrency?: number;
  invoke: QueueFunction;
}

interface Stored {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  visibleAt: number;
  receiptHandle: string | undefined;
}

/**
 * An SQS queue with its dead-letter queue, in this process, as its consumer sees it on AWS: a message received
 * stays invisible for the visibility timeout (or what `ChangeMessageVisibility` sets), is deleted when the
 * consumer succeeds with it, comes back when it fails, and moves to the dead-letter queue after `maxReceiveCount`
 * receives. Handlers reach it through the real AWS SDK: `serve()` answers SQS's JSON protocol for the calls they
 * make (`SendMessage`, `SendMessageBatch`, `ChangeMessageVisibility`). AWS SQS itself cannot run here.
 */
export const createLocalQueue = (options: LocalQueueOptions) => {
  const { visibilityTimeoutSeconds, maxReceiveCount, invoke, batchSize = 10, concurrency = 5 } = options;
  const scale = options.delayScale ?? 1;
  const messages = new Map<string, Stored>();
  const deadLetters: Stored[] = [];
  let inFlight = 0;
  let running = true;
  const pending = new Set<Promise<void>>();

  const send = (body: string, delaySeconds = 0): string => {
    const messageId = randomUUID();
    const now = Date.now();
    messages.set(messageId, {
      messageId,
      body,
      sentAt: now,
      receiveCount: 0,
      firstReceivedAt: undefined,
      visibleAt: now + delaySeconds * 1000 * scale,
      receiptHandle: undefined,
    });
    return messageId;
  };

  const changeVisibility = (receiptHandle: string, seconds: number): boolean => {
    for (const message of messages.values()) {
      if (message.receiptHandle === receiptHandle) {
        message.visibleAt = Date.now() + seconds * 1000 * scale;
        return true;
      }
    }
    return false;
  };

  const receive = (): Stored[] => {
    const now = Date.now();
    const batch: Stored[] = [];
    for (const message of messages.values()) {
      if (batch.length >= batchSize) break;
      if (message.visibleAt > now) continue;
      if (message.receiveCount >= maxReceiveCount) {
        messages.delete(message.messageId);
        deadLetters.push(message);
        continue;
      }
      message.receiveCount++;
      message.firstReceivedAt ??= now;
      message.receiptHandle = randomUUID();
      message.visibleAt = now + visibilityTimeoutSeconds * 1000 * scale;
      batch.push(message);
    }
    return batch;
  };

  const record = (message: Stored): SQSRecord => ({
    messageId: message.messageId,
    receiptHandle: message.receiptHandle ?? "",
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: "000000000000",
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? Date.now()),
    },
    messageAttributes: {},
    md5OfBody: md5(message.body),
    eventSource: "aws:sqs",
    eventSourceARN: `arn:aws:sqs:local:000000000000:${options.name}`,
    awsRegion: "local",
  });

  const run = async (batch: Stored[]) => {
    const failed = await invoke({ Records: batch.map(record) }).then(
      (response) => new Set(response?.batchItemFailures.map((failure) => failure.itemIdentifier) ?? []),
      (error: unknown) => {
        console.error(`[queue ${options.name}] consumer threw`, error);
        return new Set(batch.map((message) => message.messageId));
      },
    );
    for (const message of batch) if (!failed.has(message.messageId)) messages.delete(message.messageId);
  };

  const loop = (async () => {
    while (running) {
      while (inFlight < concurrency) {
        const batch = receive();
        if (batch.length === 0) break;
        inFlight++;
        const job = run(batch).finally(() => {
          inFlight--;
          pending.delete(job);
        });
        pending.add(job);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();

  return {
    name: options.name,
    send,
    changeVisibility,
    /** The messages that moved to the dead-letter queue (their bodies), oldest first. */
    deadLetters: () => deadLetters.map((message) => message.body),
    /** Messages not yet deleted (visible or not). */
    size: () => messages.size,
    stop: async () => {
      running = false;
      await loop;
      await Promise.all(pending);
    },
  };
};

export type LocalQueue = ReturnType<typeof createLocalQueue>;

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

const readBody = async (request: IncomingMessage) => {
  let body = "";
  for await (const chunk of request) body += chunk;
  return body;
};

/**
 * Serves SQS's JSON protocol on loopback for the given queues (each at `<url>/000000000000/<name>`), for the
 * calls the handlers make. Returns the base URL (for `AWS_ENDPOINT_URL_SQS`) and each queue's URL.
 */
export const serveQueues = async (queues: readonly LocalQueue[]) => {
  const byName = new Map(queues.map((queue) => [queue.name, queue]));
  const reply = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
    response.end(JSON.stringify(body));
  };
  const server: Server = createServer(async (request, response) => {
    const target = String(request.headers["x-amz-target"] ?? "");
    const input = JSON.parse((await readBody(request)) || "{}") as Record<string, unknown>;
    const queue = byName.get(
      String(input.QueueUrl ?? "")
        .split("/")
        .at(-1) ?? "",
    );
    if (!queue) {
      return reply(response, 400, {
        __type: "com.amazonaws.sqs#QueueDoesNotExist",
        message: "The specified queue does not exist.",
      });
    }
    switch (target) {
      case "AmazonSQS.SendMessage": {
        const body = String(input.MessageBody);
        const messageId = queue.send(body, Number(input.DelaySeconds ?? 0));
        return reply(response, 200, { MessageId: messageId, MD5OfMessageBody: md5(body) });
      }
      case "AmazonSQS.SendMessageBatch": {
        const entries = (input.Entries ?? []) as { Id: string; MessageBody: string; DelaySeconds?: number }[];
        return reply(response, 200, {
          Successful: entries.map((entry) => ({
            Id: entry.Id,
            MessageId: queue.send(entry.MessageBody, entry.DelaySeconds ?? 0),
            MD5OfMessageBody: md5(entry.MessageBody),
          })),
          Failed: [],
        });
      }
      case "AmazonSQS.ChangeMessageVisibility": {
        const seconds = Number(input.VisibilityTimeout);
        if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) {
          return reply(response, 400, {
            __type: "com.amazonaws.sqs#InvalidParameterValue",
            message: "VisibilityTimeout must be 0 to 43200",
          });
        }
        if (!queue.changeVisibility(String(input.ReceiptHandle), seconds)) {
          return reply(response, 400, {
            __type: "com.amazonaws.sqs#ReceiptHandleIsInvalid",
            message: "The receipt handle is not valid.",
          });
        }
        return reply(response, 200, {});
      }
      default:
        return reply(response, 400, { __type: "com.amazonaws.sqs#UnsupportedOperation", message: target });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    urlOf: (queue: LocalQueue) => `${endpoint}/000000000000/${queue.name}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
