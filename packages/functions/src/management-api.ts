import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import {
  ApiGatewayManagementApiClient,
  ApiGatewayManagementApiServiceException,
  ForbiddenException,
  GoneException,
  LimitExceededException,
  PayloadTooLargeException,
} from "@aws-sdk/client-apigatewaymanagementapi";
import type { ServerFrame } from "@chat/types";
import { HttpRequest } from "@smithy/core/protocols";
import { isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { SignatureV4 } from "@smithy/signature-v4";
import type { ResponseMetadata, RetryErrorType, RetryStrategyV2, SdkError } from "@smithy/types";
import { Resource } from "sst/resource";

/** How many `postToConnection` calls one invocation keeps in flight. */
export const POST_CONCURRENCY = 100;

// The SDK's default agent caps sockets at 50, which would silently cap the broadcaster's concurrency. Options, not
// agents: the handler imports `node:http` only for a plain-http endpoint (locally), not at init (see core's dynamo.ts).
const agentOptions = { keepAlive: true, maxSockets: POST_CONCURRENCY };

let client: ApiGatewayManagementApiClient | undefined;

/**
 * The management API client, made on first use (only handlers that post need it) and reused after. Posts borrow its
 * configuration: the default credential chain, the region, the HTTP handler and the retry strategy.
 */
export const managementApi = (): ApiGatewayManagementApiClient => {
  client ??= new ApiGatewayManagementApiClient({
    endpoint: Resource.Realtime.managementEndpoint,
    requestHandler: new NodeHttpHandler({
      httpAgent: agentOptions,
      httpsAgent: agentOptions,
      connectionTimeout: 1_000,
      requestTimeout: 3_000,
    }),
  });
  return client;
};

/** A frame encoded once for posting to many connections, with the SHA-256 its SigV4 signatures need. */
export interface EncodedFrame {
  body: Buffer;
  sha256: string;
}

/** Encodes a frame once, for posting to many connections. */
export const encodeFrame = (frame: ServerFrame): EncodedFrame => {
  const body = Buffer.from(JSON.stringify(frame));
  return { body, sha256: createHash("sha256").update(body).digest("hex") };
};

// `PostToConnection` is one signed POST of the frame's bytes. Sent through the SDK's command it costs ~0.4 ms of CPU
// per post (middleware stack, schema serde, endpoint rules, user agent, body collection), which made a 1,000-post
// broadcast CPU-bound. Here the same request is built directly and signed with the SDK's SigV4 signer, with the
// client's credentials (default chain), region, HTTP handler and retry strategy; answers map to the SDK's own
// exception classes, so callers see what `client.send(new PostToConnectionCommand(...))` would throw.
interface Poster {
  endpoint: URL;
  basePath: string;
  signer: SignatureV4;
  handler: NodeHttpHandler;
  retryStrategy: () => Promise<RetryStrategyV2>;
}

type Exception = new (options: {
  $metadata: ResponseMetadata;
  message: string;
}) => ApiGatewayManagementApiServiceException;

const exceptions: Record<string, Exception> = {
  ForbiddenException,
  GoneException,
  LimitExceededException,
  PayloadTooLargeException,
};

const byStatus: Record<number, string> = {
  403: "ForbiddenException",
  410: "GoneException",
  413: "PayloadTooLargeException",
  429: "LimitExceededException",
};

const readBody = async (body: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

/** The exception the SDK would raise for a non-2xx answer (its error type header, else the status, picks it). */
const exceptionOf = async (status: number, headers: Record<string, string>, body: IncomingMessage) => {
  const text = await readBody(body).catch(() => "");
  let message = text;
  try {
    message = (JSON.parse(text) as { message?: string; Message?: string }).message ?? message;
  } catch {
    // Not JSON: keep the text.
  }
  const type = headers["x-amzn-errortype"]?.split(":")[0] ?? byStatus[status] ?? `Http${status}Error`;
  const requestId = headers["x-amzn-requestid"];
  const $metadata: ResponseMetadata = { httpStatusCode: status, ...(requestId && { requestId }) };
  const Exception = exceptions[type];
  return Exception
    ? new Exception({ $metadata, message })
    : new ApiGatewayManagementApiServiceException({
        name: type,
        $fault: status >= 500 ? "server" : "client",
        $metadata,
        message: message || type,
      });
};

const errorType = (error: SdkError): RetryErrorType =>
  isThrottlingError(error)
    ? "THROTTLING"
    : isTransientError(error)
      ? "TRANSIENT"
      : isServerError(error)
        ? "SERVER_ERROR"
        : "CLIENT_ERROR";

const send = async (
  { endpoint, basePath, signer, handler }: Poster,
  connectionId: string,
  frame: EncodedFrame,
) => {
  const request = new HttpRequest({
    method: "POST",
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port && { port: Number(endpoint.port) }),
    path: `${basePath}/@connections/${encodeURIComponent(connectionId)}`,
    headers: {
      host: endpoint.host,
      "content-type": "application/octet-stream",
      "content-length": String(frame.body.byteLength),
      // The payload's hash, computed once per frame: the signer uses it rather than hashing the body per post.
      "x-amz-content-sha256": frame.sha256,
    },
    body: frame.body,
  });
  const { response } = await handler.handle((await signer.sign(request)) as HttpRequest);
  const body = response.body as IncomingMessage;
  if (response.statusCode >= 200 && response.statusCode < 300) {
    body.resume();
    return;
  }
  throw await exceptionOf(response.statusCode, response.headers, body);
};

/**
 * A `PostToConnection` sender for the management API at `managementEndpoint` (its stage path included), using
 * `client`'s credentials (the default chain), region, HTTP handler and retry strategy. Each post is SigV4-signed for
 * `execute-api` and retried as the SDK retries: throttling, 5xx and network failures, with its backoff. It throws
 * `GoneException` when the connection no longer exists, and the SDK's exception (with `$metadata.httpStatusCode`)
 * for other failures.
 */
export const connectionPoster = (
  client: ApiGatewayManagementApiClient,
  managementEndpoint: string,
  { retry = true }: { retry?: boolean } = {},
) => {
  const { config } = client;
  const endpoint = new URL(managementEndpoint);
  const poster: Poster = {
    endpoint,
    basePath: endpoint.pathname.replace(/\/+$/, ""),
    signer: new SignatureV4({
      service: "execute-api",
      region: config.region,
      credentials: config.credentials,
      sha256: config.sha256,
    }),
    handler: config.requestHandler as NodeHttpHandler,
    retryStrategy: config.retryStrategy as () => Promise<RetryStrategyV2>,
  };
  if (!retry)
    return (connectionId: string, frame: EncodedFrame): Promise<void> => send(poster, connectionId, frame);
  return async (connectionId: string, frame: EncodedFrame): Promise<void> => {
    const strategy = await poster.retryStrategy();
    let token = await strategy.acquireInitialRetryToken("");
    for (;;) {
      try {
        await send(poster, connectionId, frame);
        strategy.recordSuccess(token);
        return;
      } catch (caught) {
        const error = caught as SdkError;
        try {
          token = await strategy.refreshRetryTokenForRetry(token, { error, errorType: errorType(error) });
        } catch {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, token.getRetryDelay()));
      }
    }
  };
};

let post: ((connectionId: string, frame: EncodedFrame) => Promise<void>) | undefined;

/** Pushes a frame to one connection of the stage's WebSocket API (see `connectionPoster`). */
export const postToConnection = (connectionId: string, frame: EncodedFrame): Promise<void> => {
  post ??= connectionPoster(managementApi(), Resource.Realtime.managementEndpoint);
  return post(connectionId, frame);
};

let postOnce: ((connectionId: string, frame: EncodedFrame) => Promise<void>) | undefined;

/**
 * One attempt to push a frame to one connection, without the SDK's retries: for a caller that retries each
 * connection itself, within its own time budget (see `fan-out/retry.ts`).
 */
export const postToConnectionOnce = (connectionId: string, frame: EncodedFrame): Promise<void> => {
  postOnce ??= connectionPoster(managementApi(), Resource.Realtime.managementEndpoint, { retry: false });
  return postOnce(connectionId, frame);
};
