import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { startDynamoDbLocal } from "./index";

/** The environment that points the AWS SDK's DynamoDB (and Streams) clients at a local endpoint. */
export const sdkEnvironment = (endpoint: string): Record<string, string> => ({
  AWS_REGION: "local",
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
  AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoint,
  AWS_EC2_METADATA_DISABLED: "true",
});

/**
 * For a Vitest global setup: starts DynamoDB Local once per run, lets `prepare` create what the tests need (it
 * returns the extra environment they read), and exports the SDK environment and that to the test workers (they
 * start after this returns). Resolves to the teardown.
 */
export const setupForTests = async (
  prepare: (client: DynamoDBClient) => Promise<Record<string, string>>,
): Promise<() => Promise<void>> => {
  // Node 20 is fine for tests (Lambda runs 22, see .nvmrc); without this every AWS SDK client says so.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const dynamo = await startDynamoDbLocal();
  Object.assign(process.env, sdkEnvironment(dynamo.endpoint));
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint });
  try {
    Object.assign(process.env, await prepare(client));
  } catch (error) {
    await dynamo.stop();
    throw error;
  } finally {
    client.destroy();
  }
  return () => dynamo.stop();
};
