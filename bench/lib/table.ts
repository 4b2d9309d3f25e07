import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ensureTable } from "@chat/core/table";

/** Creates a host's own table (the one table definition) on the stack's DynamoDB Local. */
export const createTable = async (tableName: string): Promise<void> => {
  const client = new DynamoDBClient({});
  try {
    await ensureTable(client, tableName);
  } finally {
    client.destroy();
  }
};

/** The environment of a host whose handlers use their own table on the stack's DynamoDB Local. */
export const hostEnvironment = (
  storage: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string> => ({ ...storage, LOG_LEVEL: process.env.LOG_LEVEL ?? "info", ...extra });
