import * as v from "valibot";

/**
 * What Lambda's on-failure destination sends for a DynamoDB stream batch it gave up on (retries or record age
 * exhausted): not the records, but where they were. `DDBStreamBatchInfo` names the shard, the sequence range and
 * when the first and last records reached the stream (to the second). Only the fields a replay reads are checked.
 */
export const StreamFailureRecord = v.object({
  requestContext: v.object({
    condition: v.string(),
    approximateInvokeCount: v.optional(v.number()),
  }),
  timestamp: v.string(),
  DDBStreamBatchInfo: v.object({
    shardId: v.string(),
    startSequenceNumber: v.string(),
    endSequenceNumber: v.string(),
    approximateArrivalOfFirstRecord: v.pipe(v.string(), v.isoTimestamp()),
    approximateArrivalOfLastRecord: v.pipe(v.string(), v.isoTimestamp()),
    batchSize: v.number(),
    streamArn: v.string(),
  }),
});
export type StreamFailureRecord = v.InferOutput<typeof StreamFailureRecord>;

/**
 * How long before its record reached the stream a message may have been given its id: the id's time is taken when
 * the send is handled, the record arrives once the write is stored (a retried write can take seconds).
 */
export const ID_BEFORE_ARRIVAL_MS = 30_000;

/** The times between which the ids of a failed batch's messages lie. */
export const windowOf = ({ DDBStreamBatchInfo: batch }: StreamFailureRecord): { from: Date; to: Date } => ({
  from: new Date(Date.parse(batch.approximateArrivalOfFirstRecord) - ID_BEFORE_ARRIVAL_MS),
  // Arrival times are whole seconds: the last record may have arrived up to a second after its stamp.
  to: new Date(Date.parse(batch.approximateArrivalOfLastRecord) + 1_000),
});
