import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from "@aws-sdk/client-dynamodb";
import { createTableInput, ensureTable } from "@chat/core/table";

/**
 * Creates a host's own table (the one table definition) on the stack's DynamoDB Local. `stream: false` for a host
 * that calls its handlers directly: for every request to a table with a stream, DynamoDB Local reads the table's
 * info with a query that scans the stream's records (24 hours of them), on its one SQLite thread, so each request
 * costs more the more the table was written (seeding 100,000 rows took minutes, and slowed every later scenario).
 */
export const createTable = async (tableName: string, { stream = true } = {}): Promise<void> => {
  const client = new DynamoDBClient({});
  try {
    if (stream) return await ensureTable(client, tableName);
    const { StreamSpecification: _, ...input } = createTableInput(tableName);
    await client.send(new CreateTableCommand(input)).catch((error: unknown) => {
      if (!(error instanceof ResourceInUseException)) throw error;
    });
  } finally {
    client.destroy();
  }
};

/** The environment of a host whose handlers use their own table on the stack's DynamoDB Local. */
export const hostEnvironment = (
  storage: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string> => ({ ...storage, LOG_LEVEL: process.env.LOG_LEVEL ?? "info", ...extra });
