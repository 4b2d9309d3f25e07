import { beforeFirstUse } from "@chat/core/first-use";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { flushMetrics, type Logger, logger } from "../observability";

/** `done`: handled (or deliberately skipped); `retry`: hit a retryable failure, deliver it again later. */
export type RecordOutcome = "done" | "retry";

/**
 * The stream edge. Records are handled one at a time, in order. At the first record that must be retried, it stops
 * and reports that record alone in `batchItemFailures`: Lambda then retries from it, so later records keep their
 * order and the records before it are not repeated.
 */
export const streamRecords =
  (handle: (record: DynamoDBRecord, log: Logger) => Promise<RecordOutcome>) =>
  async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    // Loads what the handler deferred from its cold start (the logger among it): a failure here is a broken bundle.
    await beforeFirstUse();
    try {
      for (const record of event.Records) {
        const sequenceNumber = record.dynamodb?.SequenceNumber ?? "";
        const log = logger.child({ eventId: record.eventID, sequenceNumber });
        const outcome = await handle(record, log).catch((error: unknown): RecordOutcome => {
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
