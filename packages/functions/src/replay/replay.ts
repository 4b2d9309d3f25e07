import * as Message from "@chat/core/message";
import type { ChatMessage } from "@chat/types";
import * as v from "valibot";
import { fanOut, noDelivery, type Outcomes } from "../fan-out";
import type { Logger } from "../observability";
import { StreamFailureRecord, windowOf } from "./failure-record";

/** One message of the failure queue, as received. */
export interface QueuedFailure {
  body: string;
  /** What deletes (or releases) this receipt of it. */
  receiptHandle: string;
}

/** The broadcaster's failure queue, as a replay uses it (SQS on AWS; anything shaped like it in tests). */
export interface FailureQueue {
  /** Up to 10 messages, hidden from other readers until deleted or released (or their visibility times out). */
  receive(): Promise<QueuedFailure[]>;
  delete(receiptHandle: string): Promise<void>;
  /** Makes a received message visible again at once (a dry run leaves the queue as it found it). */
  release(receiptHandle: string): Promise<void>;
}

/** What a replay did with one queue message. */
export interface ReplayedFailure {
  shardId: string | null;
  window: { from: string; to: string } | null;
  /** The messages found in the table for it, in id order. */
  messages: Pick<ChatMessage, "id" | "roomId" | "createdAt">[];
  /** Posts made for them (none on a dry run). */
  outcomes: Outcomes;
  /** Deleted from the queue: replayed (every post done or pruned), not a dry run. */
  deleted: boolean;
  /** Why it was kept in the queue, if it was. */
  kept?: string;
}

const noOutcomes = (): Outcomes => {
  const { undelivered: _, ...outcomes } = noDelivery();
  return outcomes;
};

/**
 * Replays the broadcaster's failure queue: for each failure record, the messages whose ids fall in its batch's time
 * window are read from the table (not the stream: it keeps records 24 h, the queue 14 days) and pushed to their
 * rooms' connections with the broadcaster's own fan-out, then the queue message is deleted. Messages of other rooms
 * stored in the same window go out again too: clients drop a message whose id they already have. A record that is
 * not a stream failure, or whose posts failed retryably, is kept. With `dryRun`, nothing is posted or deleted: the
 * report lists what would be sent, and the queue messages are made visible again.
 */
export const replayFailures = async ({
  queue,
  log,
  dryRun = false,
}: {
  queue: FailureQueue;
  log: Logger;
  dryRun?: boolean;
}): Promise<ReplayedFailure[]> => {
  const report: ReplayedFailure[] = [];
  const received: string[] = [];
  // Received messages stay hidden for the run, so this ends once every visible message has been seen.
  for (let batch = await queue.receive(); batch.length > 0; batch = await queue.receive()) {
    for (const { body, receiptHandle } of batch) {
      received.push(receiptHandle);
      report.push(await replayOne(body, receiptHandle, queue, log, dryRun));
    }
  }
  if (dryRun) for (const handle of received) await queue.release(handle);
  return report;
};

const replayOne = async (
  body: string,
  receiptHandle: string,
  queue: FailureQueue,
  log: Logger,
  dryRun: boolean,
): Promise<ReplayedFailure> => {
  let parsed: v.SafeParseResult<typeof StreamFailureRecord>;
  try {
    parsed = v.safeParse(StreamFailureRecord, JSON.parse(body));
  } catch {
    parsed = v.safeParse(StreamFailureRecord, null);
  }
  if (!parsed.success) {
    log.warn({ body: body.slice(0, 500) }, "kept a queue message that is not a stream failure record");
    return {
      shardId: null,
      window: null,
      messages: [],
      outcomes: noOutcomes(),
      deleted: false,
      kept: "not a DynamoDB stream failure record",
    };
  }
  const { from, to } = windowOf(parsed.output);
  const messages = await Message.postedBetween(from, to);
  const outcomes = noOutcomes();
  if (!dryRun) {
    for (const message of messages) {
      const roomLog = log.child({ messageId: message.id, roomId: message.roomId });
      const result = await fanOut(message.roomId, { type: "message", message }, roomLog);
      for (const key of Object.keys(outcomes) as (keyof Outcomes)[]) outcomes[key] += result[key];
    }
  }
  const retryable = outcomes.retry > 0;
  if (!dryRun && !retryable) await queue.delete(receiptHandle);
  return {
    shardId: parsed.output.DDBStreamBatchInfo.shardId,
    window: { from: from.toISOString(), to: to.toISOString() },
    messages: messages.map(({ id, roomId, createdAt }) => ({ id, roomId, createdAt })),
    outcomes,
    deleted: !dryRun && !retryable,
    ...(retryable && { kept: "some posts failed and may be retried: run the replay again" }),
  };
};
