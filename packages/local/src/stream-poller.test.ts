import { DeleteItemCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { ensureTable } from "@chat/core/table";
import { type DynamoDbLocal, startDynamoDbLocal } from "@chat/dynamodb-local";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStreamPoller } from "./stream-poller";

let dynamo: DynamoDbLocal;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  Object.assign(process.env, {
    AWS_REGION: "local",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamo.endpoint,
  });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

let tables = 0;
const newTable = async () => {
  const name = `poller-${tables++}`;
  await ensureTable(client, name);
  return name;
};

const put = (table: string, id: string, entity = "message") =>
  client.send(
    new PutItemCommand({
      TableName: table,
      Item: { pk: { S: "room" }, sk: { S: id }, __edb_e__: { S: entity }, id: { S: id } },
    }),
  );

const idsOf = (event: DynamoDBStreamEvent) => event.Records.map((record) => record.dynamodb?.NewImage?.id?.S);

const until = async (condition: () => boolean) => {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe("the stream poller", () => {
  it("delivers message inserts in order and filters out everything else", async () => {
    const table = await newTable();
    const seen: (string | undefined)[] = [];
    const poller = await startStreamPoller({
      tableName: table,
      invoke: async (event) => {
        seen.push(...idsOf(event));
        return { batchItemFailures: [] };
      },
    });

    await put(table, "m1");
    await put(table, "c1", "connection");
    await put(table, "m2");
    await until(() => seen.length >= 2);
    await poller.stop();

    expect(seen).toEqual(["m1", "m2"]);
  });

  it("delivers changes of messages (edits, deletes, reactions) with both images, but no removals", async () => {
    const table = await newTable();
    const seen: string[] = [];
    const poller = await startStreamPoller({
      tableName: table,
      invoke: async (event) => {
        for (const record of event.Records) {
          const { OldImage, NewImage } = record.dynamodb ?? {};
          seen.push(`${record.eventName} ${OldImage?.id?.S ?? "-"} ${NewImage?.id?.S ?? "-"}`);
        }
        return { batchItemFailures: [] };
      },
    });

    await put(table, "m1");
    // A write that changes nothing makes no stream record: this one edits the item.
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: "room" },
          sk: { S: "m1" },
          __edb_e__: { S: "message" },
          id: { S: "m1" },
          text: { S: "x" },
        },
      }),
    );
    await client.send(
      new DeleteItemCommand({ TableName: table, Key: { pk: { S: "room" }, sk: { S: "m1" } } }),
    );
    await put(table, "m2");
    await until(() => seen.length >= 3);
    await poller.stop();

    expect(seen).toEqual(["INSERT - m1", "MODIFY m1 m1", "INSERT - m2"]);
  });

  it("retries from the first record reported in batchItemFailures, keeping order", async () => {
    const table = await newTable();
    const calls: (string | undefined)[][] = [];
    let failed = false;
    const poller = await startStreamPoller({
      tableName: table,
      invoke: async (event) => {
        calls.push(idsOf(event));
        const second = event.Records.find((record) => record.dynamodb?.NewImage?.id?.S === "m2");
        if (second && !failed) {
          failed = true;
          return { batchItemFailures: [{ itemIdentifier: second.dynamodb?.SequenceNumber ?? "" }] };
        }
        return { batchItemFailures: [] };
      },
    });

    for (const id of ["m1", "m2", "m3"]) await put(table, id);
    await until(
      () => calls.flat().filter((id) => id === "m3").length >= 1 && failed && calls.flat().at(-1) === "m3",
    );
    await poller.stop();

    const delivered = calls.flat();
    // m2 was reported failed: it (and what follows it) came again, after m1, never before it.
    expect(delivered.filter((id) => id === "m1")).toHaveLength(1);
    expect(delivered.filter((id) => id === "m2").length).toBeGreaterThanOrEqual(2);
    expect(delivered.indexOf("m1")).toBeLessThan(delivered.indexOf("m2"));
    expect(delivered.at(-1)).toBe("m3");
  });

  it("gives up on a batch after its retries instead of blocking the stream", async () => {
    const table = await newTable();
    const calls: (string | undefined)[][] = [];
    const poller = await startStreamPoller({
      tableName: table,
      maxRetries: 2,
      invoke: async (event) => {
        calls.push(idsOf(event));
        if (event.Records.some((record) => record.dynamodb?.NewImage?.id?.S === "poison"))
          throw new Error("boom");
        return { batchItemFailures: [] };
      },
    });

    await put(table, "poison");
    await until(() => calls.length >= 3);
    await put(table, "after");
    await until(() => calls.flat().includes("after"));
    await poller.stop();

    expect(calls.filter((ids) => ids.includes("poison"))).toHaveLength(3);
  });
});
