import { randomBytes } from "node:crypto";
import {
  broadcaster,
  fanOutWorker,
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

/** An asynchronously invoked function (the fan-out worker), given its timeout. */
export type WorkerFunction = (event: unknown, timeoutMs?: number) => Promise<unknown>;

type LambdaHandler = (event: never, context: Context, callback: () => void) => unknown;

/** A deployed function's timeout when none is given (the broadcaster's and the fan-out worker's: 60 s). */
const TIMEOUT_MS = 60_000;

/**
 * Loads a handler module of @chat/functions, as Lambda loads its bundle, and invokes it the way Lambda does; its
 * context counts down `timeoutMs` from the invocation's start (nothing stops a handler that runs past it).
 */
const load = async <F>(module: HandlerModule): Promise<F> => {
  const { handler } = (await import(`@chat/functions/${module}`)) as { handler: LambdaHandler };
  const invoke = async (event: never, timeoutMs = TIMEOUT_MS) =>
    handler(event, lambdaContext(module, timeoutMs), () => undefined);
  return invoke as F;
};

const lambdaContext = (module: HandlerModule, timeoutMs: number): Context => {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: `chat-local-${module.replace(/\W/g, "-")}`,
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:local:000000000000:function:chat-local",
    memoryLimitInMB: "1024",
    awsRequestId: randomBytes(16).toString("hex"),
    logGroupName: "/aws/lambda/chat-local",
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

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
  fanOutWorker: await load<WorkerFunction>(fanOutWorker),
});

export type Functions = Awaited<ReturnType<typeof loadFunctions>>;

/** An id in the style of API Gateway's request and connection ids. */
export const gatewayId = (): string => randomBytes(11).toString("base64");
