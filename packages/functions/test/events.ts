import type { APIGatewayProxyEventV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";

let ids = 0;
const nextId = (prefix: string) => `${prefix}-${process.pid}-${Date.now()}-${ids++}`;

export interface HttpRequest {
  routeKey: string;
  path: string;
  pathParameters?: Record<string, string>;
  rawQueryString?: string;
  body?: string;
  isBase64Encoded?: boolean;
  /** More headers (lower-case names), e.g. `x-user-id`. */
  headers?: Record<string, string>;
}

/** An HTTP API (payload v2) event, shaped as API Gateway sends it. */
export const httpEvent = ({
  routeKey,
  path,
  pathParameters,
  rawQueryString = "",
  body,
  isBase64Encoded = false,
  headers = {},
}: HttpRequest): APIGatewayProxyEventV2 => {
  const method = routeKey === "$default" ? "GET" : (routeKey.split(" ")[0] ?? "GET");
  return {
    version: "2.0",
    routeKey,
    rawPath: path,
    rawQueryString,
    headers: { "content-type": "application/json", host: "api.example.com", ...headers },
    ...(pathParameters && { pathParameters }),
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.1", userAgent: "vitest" },
      requestId: nextId("req"),
      routeKey,
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body !== undefined && { body }),
    isBase64Encoded,
  };
};

/** A WebSocket API event for `$connect`, `$disconnect` or `$default`, shaped as API Gateway sends it. */
export const socketEvent = (
  routeKey: "$connect" | "$disconnect" | "$default",
  connectionId: string,
  extra: { body?: string; query?: Record<string, string[]> } = {},
): APIGatewayProxyWebsocketEventV2 => {
  const eventType =
    routeKey === "$connect" ? "CONNECT" : routeKey === "$disconnect" ? "DISCONNECT" : "MESSAGE";
  return {
    requestContext: {
      routeKey,
      eventType,
      messageId: nextId("msg"),
      extendedRequestId: nextId("ext"),
      requestTime: new Date().toUTCString(),
      messageDirection: "IN",
      stage: "test",
      connectedAt: Date.now(),
      requestTimeEpoch: Date.now(),
      requestId: nextId("req"),
      domainName: "ws.example.com",
      connectionId,
      apiId: "ws",
    },
    ...(extra.query && {
      queryStringParameters: Object.fromEntries(
        Object.entries(extra.query).map(([k, v]) => [k, v.join(",")]),
      ),
      multiValueQueryStringParameters: extra.query,
    }),
    ...(extra.body !== undefined && { body: extra.body }),
    isBase64Encoded: false,
  };
};

export const uniqueId = nextId;
