import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { startDynamoDbLocal } from "@chat/dynamodb-local";
import { resourceEnvironment } from "./resources";
import { ensureTable } from "./table";

/** The environment that points the AWS SDK and SST's `Resource` at a local DynamoDB and table. */
export const storageEnvironment = (
  endpoint: string,
  tableName: string,
  stage: string,
): Record<string, string> => ({
  AWS_REGION: "local",
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
  AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoint,
  AWS_EC2_METADATA_DISABLED: "true",
  ...resourceEnvironment(stage, { Table: { name: tableName } }),
});

/**
 * Vitest global setup for tests that need the real storage: starts DynamoDB Local once per run, creates the
 * table, and exports the environment to the test workers (they start after this returns).
 */
export const setupTestStorage = async (): Promise<() => Promise<void>> => {
  // Node 20 is fine for tests (Lambda runs 22, see .nvmrc); without this every AWS SDK client says so.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const dynamo = await startDynamoDbLocal();
  const environment = storageEnvironment(dynamo.endpoint, "chat-test", "test");
  Object.assign(process.env, environment);
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint });
  await ensureTable(client, "chat-test");
  client.destroy();
  return () => dynamo.stop();
};
