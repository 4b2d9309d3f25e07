import { randomUUID } from "node:crypto";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import { broadcaster } from "@chat/functions/routes";
import type { DynamoDBRecord } from "aws-lambda";
import { type FilterPattern, matchesAnyFilter } from "./filter-pattern";
import type { StreamFunction } from "./lambda";

export interface StreamPollerOptions {
  tableName: string;
  invoke: StreamFunction;
  /** The event source's filters (a record passing any is delivered); the broadcaster's by default. */
  filters?: readonly FilterPattern[];
  /** Most records per invocation (the event source mapping's batch size). */
  batchSize?: number;
  /** Pause between polls of an idle stream. */
  idleMs?: number;
  /** Retries of a failing batch before its records are given up on. */
  maxRetries?: number;
  /** Where a batch given up on is described, as Lambda's on-failure destination describes it (a JSON body). */
  onFailure?: (body: string) => void;
}

interface Shard {
  id: string;
  parentId: string | undefined;
  iterator: string | undefined;
  /** The last record read, to resume after it when the iterator is lost (DynamoDB restarted). */
  lastSequenceNumber: string | undefined;
  /** The iterator failed: get a new one before the next read. */
  stale: boolean;
  closed: boolean;
}

/**
 * Reads the table's stream the way Lambda's event source mapping does: from LATEST, shard by shard (a child after
 * its parent), applies the broadcaster's filter, invokes it with `DynamoDBStreamEvent` batches in order, and
 * retries from the first record it reports in `batchItemFailures`.
 */
export const startStreamPoller = async ({
  tableName,
  invoke,
  filters = [broadcaster.filter],
  batchSize = 100,
  idleMs = 25,
  maxRetries = 10,
  onFailure,
}: StreamPollerOptions) => {
  const dynamo = new DynamoDBClient({});
  const streams = new DynamoDBStreamsClient({});
  const latestStreamArn = async () => {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    if (!Table?.LatestStreamArn) throw new Error(`Table ${tableName} has no stream`);
    return Table.LatestStreamArn;
  };
  let streamArn = await latestStreamArn();

  // Closed shards stay listed, so a later discovery does not read them again.
  const shards = new Map<string, Shard>();
  const discover = async (fromLatest: boolean) => {
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || shards.has(shard.ShardId)) continue;
        const open = shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
        // At start, only open shards are read, from their tip; shards found later are new, so read from the start.
        if (fromLatest && !open) continue;
        const { ShardIterator } = await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shard.ShardId,
            ShardIteratorType: fromLatest ? "LATEST" : "TRIM_HORIZON",
          }),
        );
        shards.set(shard.ShardId, {
          id: shard.ShardId,
          parentId: shard.ParentShardId,
          iterator: ShardIterator,
          lastSequenceNumber: undefined,
          stale: false,
          closed: false,
        });
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
  };

  const deliver = async (shardId: string, records: DynamoDBRecord[], readAt: Date) => {
    let pending = records;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const failedId = await invoke({ Records: pending }).then(
        (response) => response?.batchItemFailures[0]?.itemIdentifier,
        (error: unknown) => {
          console.error("[stream] broadcaster threw", error);
          return pending[0]?.dynamodb?.SequenceNumber;
        },
      );
      if (failedId === undefined) return;
      const from = pending.findIndex((record) => record.dynamodb?.SequenceNumber === failedId);
      pending = pending.slice(Math.max(from, 0));
      if (attempt >= maxRetries) {
        console.error(`[stream] gave up on ${pending.length} record(s) after ${maxRetries} retries`);
        onFailure?.(failureRecord(shardId, streamArn, pending, attempt + 1, readAt));
        return;
      }
      await sleep(Math.min(2_000, 50 * 2 ** attempt));
    }
  };

  // After an outage the old iterators are void: resume each shard just after the last record read.
  const refresh = async (shard: Shard) => {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.id,
        ...(shard.lastSequenceNumber
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: shard.lastSequenceNumber }
          : { ShardIteratorType: "LATEST" }),
      }),
    );
    shard.iterator = ShardIterator;
    shard.stale = false;
  };

  const pollShard = async (shard: Shard): Promise<number> => {
    if (shard.stale) await refresh(shard);
    if (!shard.iterator) {
      shard.closed = true;
      return 0;
    }
    const readAt = new Date();
    const { Records = [], NextShardIterator } = await streams
      .send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: batchSize }))
      .catch((error: unknown) => {
        shard.stale = true;
        throw error;
      });
    const matching = Records.map((record) => toLambdaRecord(record, streamArn)).filter((record) =>
      matchesAnyFilter(filters, record),
    );
    if (matching.length > 0) await deliver(shard.id, matching, readAt);
    shard.iterator = NextShardIterator;
    shard.lastSequenceNumber = Records.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastSequenceNumber;
    return Records.length;
  };

  // The table was recreated (a new stream): start over on the new one.
  const restart = async () => {
    const arn = await latestStreamArn();
    if (arn === streamArn) return;
    streamArn = arn;
    shards.clear();
    await discover(false);
  };

  await discover(true);
  let running = true;
  const loop = (async () => {
    let lastDiscovery = Date.now();
    let failing: unknown;
    while (running) {
      let read = 0;
      try {
        if (Date.now() - lastDiscovery > 1_000) {
          if (failing) await restart();
          await discover(false);
          lastDiscovery = Date.now();
        }
        for (const shard of shards.values()) {
          const parent = shard.parentId && shards.get(shard.parentId);
          if (shard.closed || (parent && !parent.closed)) continue;
          read += await pollShard(shard);
        }
        if (failing) console.error("[stream] reading the stream again");
        failing = undefined;
      } catch (error) {
        // One line per outage, not one per poll.
        if (running && !failing) console.error("[stream] cannot read the stream, retrying:", String(error));
        failing = error;
        await sleep(250);
      }
      if (read === 0) await sleep(idleMs);
    }
  })();

  return {
    stop: async () => {
      running = false;
      await loop;
      streams.destroy();
      dynamo.destroy();
    },
  };
};

/**
 * What Lambda's on-failure destination sends for a DynamoDB stream batch it gave up on: where the records were (the
 * shard, the sequence range, when the first and last reached the stream, to the second), not the records. The
 * arrival is when the poller read them (it polls every few ms): DynamoDB Local's `ApproximateCreationDateTime` is
 * coarser than AWS's.
 */
const failureRecord = (
  shardId: string,
  streamArn: string,
  records: DynamoDBRecord[],
  invocations: number,
  readAt: Date,
): string => {
  const arrival = `${readAt.toISOString().slice(0, 19)}Z`;
  return JSON.stringify({
    requestContext: {
      requestId: randomUUID(),
      functionArn: "arn:aws:lambda:local:000000000000:function:Broadcaster",
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: invocations,
    },
    responseContext: { statusCode: 200, executedVersion: "$LATEST" },
    version: "1.0",
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId,
      startSequenceNumber: records[0]?.dynamodb?.SequenceNumber ?? "",
      endSequenceNumber: records.at(-1)?.dynamodb?.SequenceNumber ?? "",
      approximateArrivalOfFirstRecord: arrival,
      approximateArrivalOfLastRecord: arrival,
      batchSize: records.length,
      streamArn,
    },
  });
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const toLambdaRecord = (record: StreamRecord, eventSourceARN: string): DynamoDBRecord =>
  ({
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: "aws:dynamodb",
    awsRegion: record.awsRegion,
    eventSourceARN,
    dynamodb: {
      ...record.dynamodb,
      ApproximateCreationDateTime: Math.floor(
        (record.dynamodb?.ApproximateCreationDateTime?.getTime() ?? 0) / 1000,
      ),
    },
  }) as DynamoDBRecord;
