import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import type { ServerFrame } from "@chat/types";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Resource } from "sst/resource";

/** How many `postToConnection` calls one invocation keeps in flight. */
export const POST_CONCURRENCY = 100;

// The SDK's default agent caps sockets at 50, which would silently cap the broadcaster's concurrency.
const agentOptions = { keepAlive: true, maxSockets: POST_CONCURRENCY };

let client: ApiGatewayManagementApiClient | undefined;

/** The management API client, made on first use (only handlers that post need it) and reused after. */
export const managementApi = (): ApiGatewayManagementApiClient => {
  client ??= new ApiGatewayManagementApiClient({
    endpoint: Resource.Realtime.managementEndpoint,
    // A broadcast sends the same command a thousand times: resolve its middleware stack once, not per post.
    cacheMiddleware: true,
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: 1_000,
      requestTimeout: 3_000,
    }),
  });
  return client;
};

/** Encodes a frame once, for posting to many connections. */
export const encodeFrame = (frame: ServerFrame): Uint8Array => Buffer.from(JSON.stringify(frame));

/** Pushes a frame to one connection. Throws `GoneException` when the connection no longer exists. */
export const postToConnection = async (connectionId: string, data: Uint8Array): Promise<void> => {
  await managementApi().send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
};
