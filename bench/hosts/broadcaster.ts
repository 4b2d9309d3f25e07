import { marshall } from "@aws-sdk/util-dynamodb";
import { Connection } from "@chat/core";
import { ConnectionEntity } from "@chat/core/connection";
import { tableName } from "@chat/core/dynamo";
import { encodeFrame, postToConnection } from "@chat/functions/management-api";
import { handler } from "@chat/functions/stream/broadcast";
import { type ChatMessage, newMessageState } from "@chat/types";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { messageItem } from "../lib/items";
import { createTable } from "../lib/table";

// The broadcaster alone, as its Lambda runs it, posting to the management API named by SST_RESOURCE_Realtime.

// No stream: the handler gets its stream events from this host, not from the table.
await createTable(tableName(), { stream: false });

let sequence = 0;

const message = (roomId: string): ChatMessage => ({
  id: `01KBENCH${String(sequence++).padStart(18, "0")}`,
  roomId,
  userId: "poster",
  username: "Poster",
  text: "a message for everyone",
  createdAt: new Date().toISOString(),
  clientMessageId: null,
  ...newMessageState(),
});

/** Writes `count` connection rows in the room, as `$connect` leaves them (a minute old: past the handshake). */
export const seed = async ({ roomId, count }: { roomId: string; count: number }) => {
  const connectedAt = new Date(Date.now() - 60_000).toISOString();
  const rows = Array.from({ length: count }, (_, i) => ({
    connectionId: `conn-${roomId}-${i}`,
    roomId,
    userId: `user-${i}`,
    username: `User ${i}`,
    connectedAt,
    expiresAt: Math.floor(Date.now() / 1000) + 3_600,
  }));
  const { unprocessed } = await ConnectionEntity.put(rows).go();
  if (unprocessed.length > 0) throw new Error(`${unprocessed.length} rows not written`);
};

/** Ours: the broadcaster handler, given the stream record of a new message in the room. */
export const broadcast = async ({ roomId }: { roomId: string }) => {
  const { clientMessageId: _, ...fields } = message(roomId);
  const event: DynamoDBStreamEvent = {
    Records: [
      {
        eventID: `bench-${sequence}`,
        eventName: "INSERT",
        eventSource: "aws:dynamodb",
        dynamodb: {
          SequenceNumber: String(sequence),
          // @types/aws-lambda and the SDK describe the same DynamoDB JSON with two different types.
          NewImage: marshall(messageItem(fields)) as NonNullable<
            DynamoDBStreamEvent["Records"][0]["dynamodb"]
          >["NewImage"],
        },
      },
    ],
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  const { batchItemFailures } = await handler(event);
  const elapsed = performance.now() - started;
  if (batchItemFailures.length > 0) throw new Error("the broadcaster reported a failure");
  return { ms: elapsed, cpuMs: cpuMs(cpu) };
};

// CPU time of this process: less at the mercy of the machine's other users than elapsed time.
const cpuMs = (since: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};

/** The baseline: the same reads, then one post at a time, as the broadcaster this replaces did. */
export const oneAtATime = async ({ roomId }: { roomId: string }) => {
  const data = encodeFrame({ type: "message", message: message(roomId) });
  const started = performance.now();
  const cpu = process.cpuUsage();
  let cursor: string | null = null;
  do {
    const page: Connection.ConnectionPage = await Connection.inRoom(roomId, { cursor });
    for (const { connectionId } of page.connections) await postToConnection(connectionId, data);
    cursor = page.cursor;
  } while (cursor);
  return { ms: performance.now() - started, cpuMs: cpuMs(cpu) };
};
