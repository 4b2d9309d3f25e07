import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type {
  APIGatewayProxyResultV2,
  APIGatewayProxyWebsocketEventV2,
  APIGatewayRequestAuthorizerEvent,
} from "aws-lambda";
import { type WebSocket, WebSocketServer } from "ws";
import { type AuthorizerFunction, gatewayId, type SocketFunction } from "./lambda";
import { requestUrl } from "./request-url";

// API Gateway's limit on one WebSocket message; a bigger one closes the connection (1009).
const GATEWAY_MAX_MESSAGE_BYTES = 128 * 1024;

interface Connection {
  socket: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
}

/**
 * The WebSocket API emulation. A handshake runs `$connect` first and is refused with its status unless it is 2xx;
 * each frame runs `$default`; a close runs `$disconnect`. The same port serves the management API
 * (`/@connections/{id}`) that `ApiGatewayManagementApiClient` calls, answering 410 for an unknown connection as AWS
 * does, so the SDK raises `GoneException`.
 */
export interface WebSocketApiOptions {
  /** The `$connect` authorizer; null when the stage requires no token. */
  authorizer: AuthorizerFunction | null;
  /** Other requests this port serves (the development token issuer); true when handled. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export const attachWebSocketApi = (
  server: Server,
  functions: Record<string, SocketFunction>,
  { authorizer, extraRoutes }: WebSocketApiOptions,
) => {
  const connections = new Map<string, Connection>();
  const faults = { status: 0, remaining: 0 };
  const disconnects = new Set<Promise<unknown>>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: GATEWAY_MAX_MESSAGE_BYTES });

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

  const upgrade = async (req: IncomingMessage, tcp: Duplex, head: Buffer) => {
    const connectionId = gatewayId();
    const event = connectEvent(req, connectionId);
    if (authorizer) {
      const verdict = await authorize(authorizer, event);
      if (verdict.status !== 200) return refuse(tcp, verdict.status, JSON.stringify(verdict.body));
      Object.assign(event.requestContext, { authorizer: verdict.context });
    }
    const { statusCode, body } = await invoke("$connect", event);
    if (statusCode < 200 || statusCode > 299) return refuse(tcp, statusCode, body);
    wss.handleUpgrade(req, tcp, head, (socket) => {
      const now = Date.now();
      const sourceIp = event.requestContext.identity.sourceIp;
      connections.set(connectionId, {
        socket,
        connectedAt: now,
        lastActiveAt: now,
        sourceIp,
        userAgent: req.headers["user-agent"] ?? "",
      });
      socket.on("message", (data, isBinary) => {
        const connection = connections.get(connectionId);
        if (connection) connection.lastActiveAt = Date.now();
        const text = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
        void invoke("$default", frameEvent(connectionId, text, isBinary));
      });
      socket.on("close", () => {
        connections.delete(connectionId);
        const disconnected = invoke("$disconnect", routeEvent("$disconnect", "DISCONNECT", connectionId));
        disconnects.add(disconnected);
        void disconnected.finally(() => disconnects.delete(disconnected));
      });
    });
  };

  server.on("request", (req, res) => {
    if (extraRoutes?.(req, res)) return;
    manage(connections, faults, req, res).catch((failure: unknown) => {
      console.error("[ws] management request failed", failure);
      if (!res.headersSent) error(res, 500, "InternalServerErrorException", "Internal Server Error");
    });
  });
  server.on("upgrade", (req, tcp: Duplex, head: Buffer) => {
    tcp.on("error", () => tcp.destroy());
    upgrade(req, tcp, head).catch((error: unknown) => {
      console.error("[ws] handshake failed", error);
      refuse(tcp, 500, JSON.stringify({ message: "Internal Server Error" }));
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
      await Promise.all(disconnects);
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

const refuse = (tcp: Duplex, statusCode: number, body: string) => {
  const status = `${statusCode} ${STATUS_CODES[statusCode] ?? ""}`;
  tcp.end(
    `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
};

/** The management API: post to, describe or close a connection. */
const manage = async (
  connections: Map<string, Connection>,
  faults: { status: number; remaining: number },
  req: IncomingMessage,
  res: ServerResponse,
) => {
  const match = /^\/@connections\/([^/?]+)$/.exec(requestUrl(req).pathname);
  if (!match?.[1]) return error(res, 404, "NotFoundException", "Not Found");
  const connection = connections.get(decodeURIComponent(match[1]));
  const body = await readAll(req);
  if (!connection) return error(res, 410, "GoneException", "Gone");
  if (req.method === "POST" && faults.remaining > 0) {
    faults.remaining--;
    const type = faults.status === 429 ? "LimitExceededException" : "InternalServerErrorException";
    return error(res, faults.status, type, "Injected failure");
  }
  switch (req.method) {
    case "POST":
      connection.socket.send(body, { binary: false });
      return res.writeHead(200).end();
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
  const queryStringParameters: Record<string, string> = {};
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    queryStringParameters[key] = value;
    multiValueQueryStringParameters[key] = [...(multiValueQueryStringParameters[key] ?? []), value];
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers[name] = value;
  }
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
): APIGatewayProxyWebsocketEventV2 => ({
  requestContext: requestContext("$default", "MESSAGE", connectionId),
  body: data.toString(isBinary ? "base64" : "utf8"),
  isBase64Encoded: isBinary,
});
