import { beforeFirstUse } from "@chat/core/first-use";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { deadlineOf } from "../fan-out/retry";
import { flushMetrics, type Logger, logger } from "../observability";

/** `done`: handled (or deliberately skipped); `retry`: hit a retryable failure, deliver it again later. */
export type RecordOutcome = "done" | "retry";

/**
 * The stream edge. Records are handled one at a time, in order. At the first record that must be retried, it stops
 * and reports that record alone in `batchItemFailures`: Lambda then retries from it, so later records keep their
 * order and the records before it are not repeated.
 */
export const streamRecords =
  (
    handle: (record: DynamoDBRecord, log: Logger, invocation: { deadline: number }) => Promise<RecordOutcome>,
  ) =>
  async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
    // Retries inside the invocation stop before its timeout (the Lambda context's remaining time, less a margin).
    const invocation = { deadline: deadlineOf(context) };
    // Loads what the handler deferred from its cold start (the logger among it): a failure here is a broken bundle.
    await beforeFirstUse();
    try {
      for (const record of event.Records) {
        const sequenceNumber = record.dynamodb?.SequenceNumber ?? "";
        const log = logger.child({ eventId: record.eventID, sequenceNumber });
        const outcome = await handle(record, log, invocation).catch((error: unknown): RecordOutcome => {
          log.error({ err: error }, "record failed");
          return "retry";
        });
        if (outcome === "retry") return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
      }
      return { batchItemFailures: [] };
    } finally {
      flushMetrics();
    }
  };
