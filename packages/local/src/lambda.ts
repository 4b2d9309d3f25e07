import { randomBytes } from "node:crypto";
import {
  broadcaster,
  type HandlerModule,
  httpRoutes,
  integrations,
  socketAuthorizer,
  socketRoutes,
  webhookDeliverer,
} from "@chat/functions/routes";
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyWebsocketEventV2,
  APIGatewayRequestAuthorizerEvent,
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
} from "aws-lambda";
import type { QueueFunction } from "./sqs-queue";

export type HttpFunction = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;
export type SocketFunction = (event: APIGatewayProxyWebsocketEventV2) => Promise<APIGatewayProxyResultV2>;
export type AuthorizerFunction = (
  event: APIGatewayRequestAuthorizerEvent,
) => Promise<APIGatewayAuthorizerResult>;
export type StreamFunction = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

type LambdaHandler = (event: never, context: Context, callback: () => void) => unknown;

/** Loads a handler module of @chat/functions, as Lambda loads its bundle, and invokes it the way Lambda does. */
const load = async <F>(module: HandlerModule): Promise<F> => {
  const { handler } = (await import(`@chat/functions/${module}`)) as { handler: LambdaHandler };
  const invoke = async (event: never) => handler(event, lambdaContext(module), () => undefined);
  return invoke as F;
};

const lambdaContext = (module: HandlerModule): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: `chat-local-${module.replace(/\W/g, "-")}`,
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:local:000000000000:function:chat-local",
  memoryLimitInMB: "1024",
  awsRequestId: randomBytes(16).toString("hex"),
  logGroupName: "/aws/lambda/chat-local",
  logStreamName: "local",
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

const loadAll = async <F>(routes: Record<string, HandlerModule>): Promise<Record<string, F>> =>
  Object.fromEntries(
    await Promise.all(Object.entries(routes).map(async ([key, mod]) => [key, await load<F>(mod)])),
  );

/** Every function of the route table, loaded. Call only once the stack has set their environment (stack.ts). */
export const loadFunctions = async () => ({
  http: await loadAll<HttpFunction>(httpRoutes),
  socket: await loadAll<SocketFunction>(socketRoutes),
  socketAuthorizer: await load<AuthorizerFunction>(socketAuthorizer),
  broadcaster: await load<StreamFunction>(broadcaster.handler),
  integrations: await load<StreamFunction>(integrations.handler),
  webhookDeliverer: await load<QueueFunction>(webhookDeliverer),
});

export type Functions = Awaited<ReturnType<typeof loadFunctions>>;

/** An id in the style of API Gateway's request and connection ids. */
export const gatewayId = (): string => randomBytes(11).toString("base64");
