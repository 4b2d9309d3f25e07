import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type {
  APIGatewayProxyResultV2,
  APIGatewayProxyWebsocketEventV2,
  APIGatewayRequestAuthorizerEvent,
} from "aws-lambda";
import pLimit from "p-limit";
import { type WebSocket, WebSocketServer } from "ws";
import { refuseUpgrade, sendError } from "./gateway-response";
import { type AuthorizerFunction, gatewayId, type SocketFunction } from "./lambda";
import { type PostGate, postGate } from "./management-limits";
import { requestUrl } from "./request-url";

// API Gateway's limit on one WebSocket message; a bigger one closes the connection (1009).
const GATEWAY_MAX_MESSAGE_BYTES = 128 * 1024;

/**
 * `$connect` and `$disconnect` handlers running at once. On AWS each runs in a Lambda environment of its own; here
 * they share one event loop, one DynamoDB client (64 sockets) and one management API client, and a storm of
 * hundreds of handshakes (or closes) at once starved all three: DynamoDB calls timed out (`unavailable`: handshakes
 * refused with 503, rows left behind by failed disconnects), and `$connect`s slowed by their join notices ran past
 * the prune grace. Past these many, they wait their turn, as they would for Lambda's concurrency. A `$disconnect`
 * mostly waits (its departure settles for `presenceSettleMs`), so more of them may run.
 */
const CONNECT_CONCURRENCY = 8;
const DISCONNECT_CONCURRENCY = 32;

interface Connection {
  socket: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  /** What the `$connect` authorizer returned: API Gateway passes it to every later route of the connection. */
  authorizer: Record<string, unknown> | undefined;
  /** Settles once the last post received for the connection is answered: the next one is sent after it. */
  lastPost: Promise<void>;
}

export interface WebSocketApiOptions {
  /** The `$connect` authorizer; null when the stage requires no token. */
  authorizer: AuthorizerFunction | null;
  /** Other requests this port serves (the development token issuer); true when handled. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** The management API's throttle and latency per post (unlimited and immediate by default). */
  posts?: PostGate;
}

/**
 * The WebSocket API emulation. A handshake runs `$connect` first and is refused with its status unless it is 2xx;
 * each frame runs `$default`; a close runs `$disconnect` (so does a handshake that fails after a 2xx `$connect`,
 * as API Gateway does for a connection it registered). The same port serves the management API
 * (`/@connections/{id}`) that `ApiGatewayManagementApiClient` calls, answering 410 for an unknown connection as AWS
 * does, so the SDK raises `GoneException`.
 */
export const attachWebSocketApi = (
  server: Server,
  functions: Record<string, SocketFunction>,
  { authorizer, extraRoutes, posts = postGate() }: WebSocketApiOptions,
) => {
  const connections = new Map<string, Connection>();
  const faults = { status: 0, remaining: 0 };
  const pendingDisconnects = new Set<Promise<unknown>>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: GATEWAY_MAX_MESSAGE_BYTES });
  const connects = pLimit(CONNECT_CONCURRENCY);
  const disconnects = pLimit(DISCONNECT_CONCURRENCY);

  const invoke = async (routeKey: string, event: APIGatewayProxyWebsocketEventV2) => {
    const fn = functions[routeKey];
    if (!fn) return { statusCode: 500, body: "" };
    try {
      return statusOf(await fn(event));
    } catch (error) {
      console.error(`[ws] ${routeKey} threw`, error);
      return { statusCode: 500, body: "" };
    }
  };

  // As on API Gateway, `$disconnect` carries what the `$connect` authorizer returned.
  const disconnect = (connectionId: string, authorizer: Record<string, unknown> | undefined) => {
    const event = routeEvent("$disconnect", "DISCONNECT", connectionId);
    if (authorizer) Object.assign(event.requestContext, { authorizer });
    const disconnected = disconnects(() => invoke("$disconnect", event));
    pendingDisconnects.add(disconnected);
    void disconnected.finally(() => pendingDisconnects.delete(disconnected));
  };

  const upgrade = async (req: IncomingMessage, tcp: Duplex, head: Buffer) => {
    const connectionId = gatewayId();
    // Once `$connect` has said yes the connection is registered: if the handshake then fails (the client went away
    // meanwhile, or the upgrade itself is refused) it still gets its `$disconnect`, or its row would outlive it.
    const handshake: { phase: "connecting" | "registered" | "open" | "gone" } = { phase: "connecting" };
    let context: Record<string, unknown> | undefined;
    const abandon = () => {
      if (handshake.phase === "registered") disconnect(connectionId, context);
      if (handshake.phase !== "open") handshake.phase = "gone";
    };
    tcp.once("close", abandon);
    const event = connectEvent(req, connectionId);
    if (authorizer) {
      const verdict = await authorize(authorizer, event);
      if (verdict.status !== 200) return refuseUpgrade(tcp, verdict.status, JSON.stringify(verdict.body));
      context = verdict.context;
      Object.assign(event.requestContext, { authorizer: context });
    }
    const { statusCode, body } = await connects(() => invoke("$connect", event));
    if (statusCode < 200 || statusCode > 299) return refuseUpgrade(tcp, statusCode, body);
    if (handshake.phase === "gone" || tcp.destroyed) {
      handshake.phase = "gone";
      return disconnect(connectionId, context);
    }
    handshake.phase = "registered";
    wss.handleUpgrade(req, tcp, head, (socket) => {
      handshake.phase = "open";
      tcp.off("close", abandon);
      const now = Date.now();
      const sourceIp = event.requestContext.identity.sourceIp;
      connections.set(connectionId, {
        socket,
        connectedAt: now,
        lastActiveAt: now,
        sourceIp,
        userAgent: req.headers["user-agent"] ?? "",
        authorizer: context,
        lastPost: Promise.resolve(),
      });
      socket.on("message", (data, isBinary) => {
        const connection = connections.get(connectionId);
        if (connection) connection.lastActiveAt = Date.now();
        const text = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
        void invoke("$default", frameEvent(connectionId, text, isBinary, connection?.authorizer));
      });
      socket.on("close", () => {
        connections.delete(connectionId);
        disconnect(connectionId, context);
      });
    });
  };

  server.on("request", (req, res) => {
    try {
      if (extraRoutes?.(req, res)) return;
    } catch (failure) {
      // An extra route is development tooling: whatever it throws must not take the stack down.
      console.error("[ws] extra route failed", failure);
      if (!res.headersSent) sendError(res, 500, "internal", "Internal Server Error");
      else res.destroy();
      return;
    }
    manage(connections, faults, posts, req, res).catch((failure: unknown) => {
      console.error("[ws] management request failed", failure);
      if (!res.headersSent) error(res, 500, "InternalServerErrorException", "Internal Server Error");
    });
  });
  server.on("upgrade", (req, tcp: Duplex, head: Buffer) => {
    tcp.on("error", () => tcp.destroy());
    upgrade(req, tcp, head).catch((error: unknown) => {
      console.error("[ws] handshake failed", error);
      refuseUpgrade(tcp, 500, JSON.stringify({ message: "Internal Server Error" }));
    });
  });
  return {
    /**
     * Makes the next `count` posts to connections fail with `status` (429 throttled, 5xx broken), the way a busy
     * or failing API Gateway answers: for failure tests.
     */
    failPosts: (status: number, count: number) => {
      Object.assign(faults, { status, remaining: count });
    },
    /**
     * Sends a frame straight down every open socket, bypassing `$default`, the management API and the handlers:
     * what a plain `ws` server does, the baseline `pnpm bench` compares fan-out with. Returns how many it reached.
     */
    sendToAll: (data: string): number => {
      for (const { socket } of connections.values()) socket.send(data);
      return connections.size;
    },
    /** Drops every connection (each runs `$disconnect`) and waits for those handlers to finish. */
    closeAll: async () => {
      const closed = [...connections.values()].map(
        ({ socket }) => new Promise((resolve) => socket.once("close", resolve).terminate()),
      );
      await Promise.all(closed);
      wss.close();
      await Promise.all(pendingDisconnects);
    },
  };
};

/**
 * Runs the `$connect` authorizer as API Gateway does: a thrown "Unauthorized" is 401, a Deny policy 403, and an
 * Allow passes the principal and the returned context on to `$connect` as `requestContext.authorizer`.
 */
const authorize = async (authorizer: AuthorizerFunction, event: ReturnType<typeof connectEvent>) => {
  const unauthorized = { status: 401, body: { code: "unauthorized", message: "Unauthorized" }, context: {} };
  try {
    const result = await authorizer({
      type: "REQUEST",
      methodArn: `arn:aws:execute-api:local:000000000000:${event.requestContext.apiId}/local/$connect`,
      headers: event.headers,
      queryStringParameters: event.queryStringParameters ?? {},
      multiValueQueryStringParameters: event.multiValueQueryStringParameters ?? {},
      requestContext: event.requestContext,
      stageVariables: {},
    } as unknown as APIGatewayRequestAuthorizerEvent);
    const allowed = result.policyDocument.Statement.every((statement) => statement.Effect === "Allow");
    if (!allowed) return { status: 403, body: { code: "forbidden", message: "Forbidden" }, context: {} };
    return { status: 200, body: {}, context: { principalId: result.principalId, ...result.context } };
  } catch {
    return unauthorized;
  }
};

const statusOf = (result: APIGatewayProxyResultV2) =>
  typeof result === "object" && result !== null && "statusCode" in result
    ? { statusCode: result.statusCode ?? 200, body: result.body ?? "" }
    : { statusCode: 200, body: "" };

/** The management API: post to, describe or close a connection. */
const manage = async (
  connections: Map<string, Connection>,
  faults: { status: number; remaining: number },
  posts: PostGate,
  req: IncomingMessage,
  res: ServerResponse,
) => {
  const match = /^\/@connections\/([^/?]+)$/.exec(requestUrl(req).pathname);
  if (!match?.[1]) return error(res, 404, "NotFoundException", "Not Found");
  const connection = connections.get(decodeURIComponent(match[1]));
  if (connection && req.method === "POST") {
    // API Gateway sends a connection's posts down its socket in the order they arrive, whatever each one's latency
    // or body: the turn is taken on arrival (here, before any await), the frame sent after the previous one's.
    const previous = connection.lastPost;
    let answered = () => {};
    connection.lastPost = new Promise((resolve) => {
      answered = resolve;
    });
    try {
      return await post(connection, faults, posts, req, res, previous);
    } finally {
      answered();
    }
  }
  await readAll(req);
  if (!connection) {
    // A post to a connection that is gone (or never was) is throttled and answered after the latency too.
    if (req.method === "POST") {
      if (!posts.admit()) return error(res, 429, "LimitExceededException", "Rate exceeded");
      await posts.delay();
    }
    return error(res, 410, "GoneException", "Gone");
  }
  switch (req.method) {
    case "GET":
      return json(res, 200, {
        ConnectedAt: new Date(connection.connectedAt).toISOString(),
        LastActiveAt: new Date(connection.lastActiveAt).toISOString(),
        Identity: { SourceIp: connection.sourceIp, UserAgent: connection.userAgent },
      });
    case "DELETE":
      connection.socket.close(1000);
      return res.writeHead(204).end();
    default:
      return error(res, 405, "MethodNotAllowedException", "Method Not Allowed");
  }
};

/** One post to an open connection: failed on purpose, throttled, or sent after the latency and the posts before it. */
const post = async (
  connection: Connection,
  faults: { status: number; remaining: number },
  posts: PostGate,
  req: IncomingMessage,
  res: ServerResponse,
  previous: Promise<void>,
) => {
  const body = await readAll(req);
  if (faults.remaining > 0) {
    faults.remaining--;
    const type = faults.status === 429 ? "LimitExceededException" : "InternalServerErrorException";
    return error(res, faults.status, type, "Injected failure");
  }
  // Above the account's rate API Gateway answers 429, which the SDK raises as LimitExceededException.
  if (!posts.admit()) return error(res, 429, "LimitExceededException", "Rate exceeded");
  await posts.delay();
  await previous;
  connection.socket.send(body, { binary: false });
  return res.writeHead(200).end();
};

const readAll = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
};

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

// The SDK picks the exception class from the `x-amzn-errortype` header.
const error = (res: ServerResponse, status: number, type: string, message: string) =>
  res
    .writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type })
    .end(JSON.stringify({ message }));

const requestContext = (
  routeKey: string,
  eventType: "CONNECT" | "MESSAGE" | "DISCONNECT",
  connectionId: string,
) => {
  const now = Date.now();
  return {
    routeKey,
    eventType,
    extendedRequestId: gatewayId(),
    requestTime: new Date(now).toUTCString(),
    messageDirection: "IN" as const,
    stage: "local",
    connectedAt: now,
    requestTimeEpoch: now,
    requestId: gatewayId(),
    domainName: "127.0.0.1",
    connectionId,
    messageId: gatewayId(),
    apiId: "local",
    identity: { sourceIp: "127.0.0.1", userAgent: "" },
  };
};

const routeEvent = (
  routeKey: string,
  eventType: "CONNECT" | "MESSAGE" | "DISCONNECT",
  connectionId: string,
): APIGatewayProxyWebsocketEventV2 => ({
  requestContext: requestContext(routeKey, eventType, connectionId),
  isBase64Encoded: false,
});

/** `$connect` carries the handshake's headers and query, as API Gateway sends them. */
const connectEvent = (req: IncomingMessage, connectionId: string) => {
  const url = requestUrl(req);
  // Maps, not object literals: a key such as `__proto__` or `constructor` is just a name, as on API Gateway.
  const values = new Map<string, string[]>();
  for (const [key, value] of url.searchParams) values.set(key, [...(values.get(key) ?? []), value]);
  const queryStringParameters: Record<string, string> = Object.fromEntries(
    [...values].map(([key, all]) => [key, all.at(-1) ?? ""]),
  );
  const multiValueQueryStringParameters: Record<string, string[]> = Object.fromEntries(values);
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(req.headers).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  const base = routeEvent("$connect", "CONNECT", connectionId);
  const identity = {
    sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
    userAgent: headers["user-agent"] ?? "",
  };
  return {
    ...base,
    headers,
    ...(url.search && { queryStringParameters, multiValueQueryStringParameters }),
    requestContext: { ...base.requestContext, identity },
  };
};

const frameEvent = (
  connectionId: string,
  data: Buffer,
  isBinary: boolean,
  authorizer: Record<string, unknown> | undefined,
): APIGatewayProxyWebsocketEventV2 => ({
  requestContext: {
    ...requestContext("$default", "MESSAGE", connectionId),
    ...(authorizer && { authorizer }),
  } as APIGatewayProxyWebsocketEventV2["requestContext"],
  body: data.toString(isBinary ? "base64" : "utf8"),
  isBase64Encoded: isBinary,
});
