import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { Connection } from "@chat/core";
import { ConnectionEntity } from "@chat/core/connection";
import { client, documentClient, tableName } from "@chat/core/dynamo";
import * as Read from "@chat/core/read";
import { handler as sendMessage } from "@chat/functions/http/send-message";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { type CapacityUse, meterCapacity } from "../lib/capacity";
import { createTable } from "../lib/table";

// The handlers' storage calls, with the capacity DynamoDB Local reports for each, on a table of their own.

// No stream: this host calls its handlers directly (a stream makes every request of DynamoDB Local slower, see createTable).
await createTable(tableName(), { stream: false });
const meter = meterCapacity(client);

/** Writes `perRoom` connection rows in each of `rooms` rooms, as `$connect` leaves them. */
export const seedRooms = async ({ rooms, perRoom }: { rooms: number; perRoom: number }) => {
  const now = new Date();
  const rows = Array.from({ length: rooms * perRoom }, (_, i) => ({
    connectionId: `Abc${String(i).padStart(8, "0")}xyzQ=`, // API Gateway ids are 16 characters
    roomId: `room-${i % rooms}`,
    userId: `user-${i}`,
    username: `User ${i}`,
    connectedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + 3 * 3_600,
  }));
  const { unprocessed } = await ConnectionEntity.put(rows).go();
  if (unprocessed.length > 0) throw new Error(`${unprocessed.length} rows not written`);
  meter.take();
};

/** Ours: the broadcaster's read, `Connection.inRoom`, page by page. */
export const readRoom = async ({ roomId }: { roomId: string }) => {
  let cursor: string | null = null;
  let found = 0;
  do {
    const page: Connection.ConnectionPage = await Connection.inRoom(roomId, { cursor });
    found += page.connections.length;
    cursor = page.cursor;
  } while (cursor);
  return { found, uses: meter.take() };
};

/** The baseline: a Scan of every connection, keeping the room's (the AWS sample chat app reads its table so). */
export const scanRoom = async ({ roomId }: { roomId: string }) => {
  let found = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new ScanCommand({
        TableName: tableName(),
        FilterExpression: "#entity = :connection AND #room = :room",
        ExpressionAttributeNames: { "#entity": "__edb_e__", "#room": "roomId" },
        ExpressionAttributeValues: { ":connection": "connection", ":room": roomId },
        ExclusiveStartKey: start,
      }),
    );
    found += page.Items?.length ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return { found, uses: meter.take() };
};

let requests = 0;

/** One `POST /rooms/{roomId}/messages` through the real handler, and the capacity of each call it made. */
export const send = async (body: {
  roomId: string;
  userId: string;
  text: string;
  clientMessageId?: string;
  parentId?: string;
}): Promise<{ status: number; uses: CapacityUse[]; messageId?: string }> => {
  const { roomId, ...fields } = body;
  const path = `/rooms/${roomId}/messages`;
  const requestId = `bench-${requests++}`;
  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey: "POST /rooms/{roomId}/messages",
    rawPath: path,
    rawQueryString: "",
    headers: { "content-type": "application/json" },
    pathParameters: { roomId },
    requestContext: {
      accountId: "000000000000",
      apiId: "bench",
      domainName: "bench",
      domainPrefix: "bench",
      http: { method: "POST", path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
      requestId,
      routeKey: "POST /rooms/{roomId}/messages",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: JSON.stringify({ ...fields, username: "Writer" }),
    isBase64Encoded: false,
  };
  meter.take();
  const result = await sendMessage(event);
  const uses = meter.take();
  const { message } = JSON.parse(result.body ?? "{}") as { message?: { id: string } };
  return { status: result.statusCode ?? 0, uses, ...(message && { messageId: message.id }) };
};

/** `Read.mark`, what `PUT /rooms/{roomId}/read` does before telling the room: the capacity of each call. */
export const markRead = async ({
  roomId,
  userId,
  messageId,
}: {
  roomId: string;
  userId: string;
  messageId: string;
}) => {
  meter.take();
  const state = await Read.mark(roomId, { userId, username: userId, admin: false }, messageId);
  return { status: 200, moved: state.moved, uses: meter.take() };
};
