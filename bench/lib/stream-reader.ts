import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";

/**
 * The fastest possible stream consumer: GetRecords back to back, no pause, from the tip of every open shard. It
 * shows when DynamoDB makes a record readable — the floor under any stream-driven push.
 */
export const openStreamReader = async (tableName: string) => {
  const dynamo = new DynamoDBClient({});
  const streams = new DynamoDBStreamsClient({});
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`${tableName} has no stream`);
  const iterators = new Map<string, string>();
  const seen = new Set<string>();

  const discover = async (type: "LATEST" | "TRIM_HORIZON") => {
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || seen.has(shard.ShardId)) continue;
        seen.add(shard.ShardId);
        if (shard.SequenceNumberRange?.EndingSequenceNumber !== undefined && type === "LATEST") continue;
        const { ShardIterator } = await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shard.ShardId,
            ShardIteratorType: type,
          }),
        );
        if (ShardIterator) iterators.set(shard.ShardId, ShardIterator);
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
  };
  await discover("LATEST");

  return {
    /** Reads until a record matching `predicate` shows up; gives up after `timeoutMs`. */
    waitFor: async (predicate: (record: StreamRecord) => boolean, timeoutMs = 5_000): Promise<void> => {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        let found = false;
        for (const [shardId, iterator] of [...iterators]) {
          const { Records = [], NextShardIterator } = await streams.send(
            new GetRecordsCommand({ ShardIterator: iterator }),
          );
          if (Records.some(predicate)) found = true;
          if (NextShardIterator) iterators.set(shardId, NextShardIterator);
          else {
            // A closed shard: its children hold what comes next.
            iterators.delete(shardId);
            await discover("TRIM_HORIZON");
          }
        }
        if (found) return;
      }
      throw new Error(`no matching stream record within ${timeoutMs} ms`);
    },
    close: () => {
      dynamo.destroy();
      streams.destroy();
    },
  };
};
