import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { httpRoutes, publicHttpRoutes } from "@chat/functions/routes";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from "aws-lambda";
import type { JWTPayload } from "jose";
import { sendJson } from "./gateway-response";
import { gatewayId, type HttpFunction } from "./lambda";
import { requestUrl } from "./request-url";
import { matchRoute } from "./route-match";

// API Gateway's own cap on a request body; the 16 KiB contract limit is the edge's job, as on AWS.
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const routeKeys = Object.keys(httpRoutes);
const publicRoutes: readonly string[] = publicHttpRoutes;

export interface HttpApiOptions {
  /** The JWT authorizer of the stage's protected routes; null when the stage requires no token. */
  authorizer: ((authorization: string | undefined) => Promise<JWTPayload | null>) | null;
  /** Origins allowed by CORS; `*` allows any. */
  corsOrigins: readonly string[];
}

/**
 * The HTTP API emulation: each request becomes an API Gateway v2 payload event for the function of its route, and
 * the function's result becomes the response. Like API Gateway, it answers CORS preflights itself and runs the JWT
 * authorizer before protected routes.
 */
export const httpApi =
  (functions: Record<string, HttpFunction>, { authorizer, corsOrigins }: HttpApiOptions): RequestListener =>
  async (req, res) => {
    const requestId = gatewayId();
    res.setHeader("apigw-requestid", requestId);
    try {
      if (cors(req, res, corsOrigins)) return;
      const body = await readBody(req);
      if (body === null) return send(res, 413, { message: "Request Entity Too Large" });
      const event = toEvent(req, body, requestId);
      const invoke = functions[event.routeKey];
      if (!invoke) return send(res, 404, { message: "Not Found" });
      if (authorizer && !publicRoutes.includes(event.routeKey)) {
        const claims = await authorizer(req.headers.authorization);
        // API Gateway's own body here is `{"message":"Unauthorized"}`; the local stack adds the contract's code.
        if (!claims) return send(res, 401, { code: "unauthorized", message: "Unauthorized" });
        Object.assign(event.requestContext, {
          authorizer: {
            jwt: { claims: stringClaims(claims), scopes: null },
            principalId: "",
            integrationLatency: 0,
          },
        });
      }
      writeResult(res, await invoke(event));
    } catch (error) {
      // What API Gateway answers when the function (or, here, the emulation) fails; the edge makes it unreachable.
      console.error(`[http] ${req.method} ${req.url} failed`, error);
      if (!res.headersSent) send(res, 500, { message: "Internal Server Error" });
      else res.destroy();
    }
  };

/** API Gateway passes JWT claims to the function as strings. */
const stringClaims = (claims: JWTPayload): Record<string, string> =>
  Object.fromEntries(
    Object.entries(claims).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );

/** Adds CORS headers for an allowed origin; answers a preflight itself (returns true) as API Gateway does. */
const cors = (req: IncomingMessage, res: ServerResponse, origins: readonly string[]): boolean => {
  const origin = req.headers.origin;
  const allowed = origin !== undefined && (origins.includes("*") || origins.includes(origin));
  if (allowed) {
    res.setHeader("access-control-allow-origin", origins.includes("*") ? "*" : origin);
    res.setHeader("access-control-expose-headers", "retry-after, x-request-id");
    res.setHeader("vary", "origin");
  }
  if (req.method !== "OPTIONS" || !req.headers["access-control-request-method"]) return false;
  if (allowed) {
    res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
    res.setHeader("access-control-allow-headers", "authorization, content-type");
    res.setHeader("access-control-max-age", "600");
  }
  res.writeHead(204).end();
  return true;
};

const readBody = async (req: IncomingMessage): Promise<Buffer | null> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > GATEWAY_MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
};

const textTypes = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|[^;]*\+json)/i;

const toEvent = (req: IncomingMessage, body: Buffer, requestId: string): APIGatewayProxyEventV2 => {
  const method = req.method ?? "GET";
  const url = requestUrl(req);
  const { routeKey, pathParameters } = matchRoute(routeKeys, method, url.pathname) ?? {
    routeKey: "",
    pathParameters: {},
  };
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(req.headers).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, Array.isArray(value) ? value.join(",") : value]],
    ),
  );
  const rawQueryString = url.search.slice(1);
  // A Map, not an object literal: a key such as `__proto__` or `constructor` is just a name, as on API Gateway.
  const query = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    const seen = query.get(key);
    query.set(key, seen === undefined ? value : `${seen},${value}`);
  }
  const queryStringParameters: Record<string, string> = Object.fromEntries(query);
  const isBase64Encoded = body.length > 0 && !textTypes.test(headers["content-type"] ?? "");
  const now = new Date();
  return {
    version: "2.0",
    routeKey,
    rawPath: url.pathname,
    rawQueryString,
    ...(headers.cookie && { cookies: headers.cookie.split(/;\s*/) }),
    headers,
    ...(rawQueryString && { queryStringParameters }),
    ...(Object.keys(pathParameters).length > 0 && { pathParameters }),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "local",
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 && { body: body.toString(isBase64Encoded ? "base64" : "utf8") }),
    isBase64Encoded,
  };
};

const writeResult = (res: ServerResponse, result: APIGatewayProxyResultV2): void => {
  // A bare value (not `{ statusCode }`) means 200 with that value as JSON, as the v2 payload format defines.
  if (typeof result !== "object" || result === null || !("statusCode" in result)) {
    send(res, 200, result);
    return;
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  if (result.cookies?.length) res.setHeader("set-cookie", result.cookies);
  const body = result.body ?? "";
  res.writeHead(result.statusCode ?? 200).end(result.isBase64Encoded ? Buffer.from(body, "base64") : body);
};

const send = (res: ServerResponse, status: number, body: unknown): void => sendJson(res, status, body);
