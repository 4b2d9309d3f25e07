import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Resource } from "sst/resource";

// One client per process, reused across invocations. Keep-alive sockets skip a TLS handshake per call, and the
// timeouts turn an unreachable DynamoDB into a quick `unavailable` instead of a hung request.
const agentOptions = { keepAlive: true, maxSockets: 64 };

/** The DynamoDB client. The endpoint comes from the SDK's own configuration (`AWS_ENDPOINT_URL_DYNAMODB` locally). */
export const client = new DynamoDBClient({
  maxAttempts: 3,
  requestHandler: new NodeHttpHandler({
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent(agentOptions),
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
  }),
});

export const documentClient = DynamoDBDocumentClient.from(client, {
  marshallOptions: { removeUndefinedValues: true },
});

/** The table name, read once through SST's `Resource` (linked on AWS, `SST_RESOURCE_Table` locally). */
export const tableName = (): string => Resource.Table.name;
