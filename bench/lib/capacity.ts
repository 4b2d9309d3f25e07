import type { ConsumedCapacity, DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** The capacity one DynamoDB call consumed. */
export interface CapacityUse {
  operation: string;
  /** What AWS bills: as DynamoDB reported it, except for write transactions (see `transactionUnits`). */
  units: number | null;
  /** What DynamoDB Local reported; null when it reported nothing (a cancelled transaction). */
  reported: number | null;
  /** The part of `reported` spent on global secondary indexes. */
  indexUnits: number;
}

const dataCalls = new Set([
  "GetItem",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "Query",
  "Scan",
  "BatchGetItem",
  "BatchWriteItem",
  "TransactGetItems",
  "TransactWriteItems",
]);

/** An item's size by DynamoDB's rules: names and values in UTF-8, numbers about one byte per two digits. */
const valueSize = (value: unknown): number => {
  if (typeof value === "string") return Buffer.byteLength(value);
  if (typeof value === "number") return Math.ceil(String(Math.abs(value)).replace(/\D/g, "").length / 2) + 1;
  if (typeof value === "boolean" || value === null) return 1;
  if (typeof value === "object") return 3 + itemSize(value as Record<string, unknown>);
  return 0;
};
const itemSize = (item: Record<string, unknown>): number =>
  Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);

interface TransactItem {
  Put?: { Item?: Record<string, unknown> };
  Update?: { Key?: Record<string, unknown>; ExpressionAttributeValues?: Record<string, unknown> };
  Delete?: { Key?: Record<string, unknown> };
  ConditionCheck?: { Key?: Record<string, unknown> };
}

/**
 * DynamoDB Local reports a flat 2 units for any TransactWriteItems; AWS bills 2 write units per started KB of each
 * item. The item sizes are taken from the request: a put's item; an update's key and new values (our updates
 * write small rows, well under 1 KB, so this never lands on the wrong side of a KB).
 */
const transactionUnits = (input: { TransactItems?: TransactItem[] }): number =>
  (input.TransactItems ?? []).reduce((sum, { Put, Update, Delete, ConditionCheck }) => {
    const size = Put?.Item
      ? itemSize(Put.Item)
      : Update
        ? itemSize({ ...Update.Key, ...Update.ExpressionAttributeValues })
        : itemSize(Delete?.Key ?? ConditionCheck?.Key ?? {});
    return sum + 2 * Math.max(1, Math.ceil(size / 1024));
  }, 0);

/**
 * Asks DynamoDB for the consumed capacity of every data call this client makes (ElectroDB's and the SDK's alike)
 * and keeps it: the handlers' real requests are measured, unchanged but for that one parameter. The meter sits
 * first in the client's stack, so it sees the DocumentClient's plain values, before marshalling.
 */
export const meterCapacity = (client: DynamoDBClient) => {
  let uses: CapacityUse[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? "").replace(/Command$/, "");
      if (!dataCalls.has(operation)) return next(args);
      const input = args.input as { ReturnConsumedCapacity?: string; TransactItems?: TransactItem[] };
      input.ReturnConsumedCapacity = "INDEXES";
      const billed = operation === "TransactWriteItems" ? transactionUnits(input) : undefined;
      let result: Awaited<ReturnType<typeof next>>;
      try {
        result = await next(args);
      } catch (error) {
        uses.push({ operation, units: null, reported: null, indexUnits: 0 });
        throw error;
      }
      const reported = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
        .ConsumedCapacity;
      const all = [reported ?? []].flat();
      const units = all.reduce((sum, capacity) => sum + (capacity.CapacityUnits ?? 0), 0);
      const indexUnits = all
        .flatMap((capacity) => Object.values(capacity.GlobalSecondaryIndexes ?? {}))
        .reduce((sum, index) => sum + (index.CapacityUnits ?? 0), 0);
      uses.push({
        operation,
        units: billed ?? (reported ? units : null),
        reported: reported ? units : null,
        indexUnits,
      });
      return result;
    },
    { step: "initialize", name: "benchCapacityMeter", priority: "high" },
  );
  return {
    /** The calls since the last `take`. */
    take: (): CapacityUse[] => {
      const taken = uses;
      uses = [];
      return taken;
    },
  };
};

/** The units of the calls that reported any. */
export const totalUnits = (uses: CapacityUse[]): number =>
  uses.reduce((sum, use) => sum + (use.units ?? 0), 0);
