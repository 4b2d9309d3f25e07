import { AppError } from "@chat/core/error";
import { Limits } from "@chat/types";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type * as v from "valibot";
import { flushMetrics, type Logger, logger } from "../observability";
import { publicHttpRoutes } from "../routes";
import { mapError } from "./errors";
import { httpIdentity, type Identity } from "./identity";
import { parseJson, parseQuery, validate } from "./input";
import { securityHeaders } from "./security-headers";

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

interface Schemas {
  params?: v.GenericSchema;
  query?: v.GenericSchema;
  body?: v.GenericSchema;
}

type Parsed<S extends Schemas, K extends keyof Schemas> = S[K] extends v.GenericSchema
  ? v.InferOutput<S[K]>
  : undefined;

export interface HttpRequest<S extends Schemas> {
  /** The token's subject when the stage requires tokens, else null. */
  identity: Identity | null;
  params: Parsed<S, "params">;
  query: Parsed<S, "query">;
  body: Parsed<S, "body">;
  method: string;
  path: string;
  requestId: string;
  log: Logger;
}

export interface HttpReply<T> {
  status: number;
  body: T;
}

// Four base64 characters carry three bytes: a base64 body longer than this cannot fit the limit once decoded.
const MAX_BASE64_BODY_LENGTH = Math.ceil(Limits.maxBodyBytes / 3) * 4;

/** The body, refused from its encoded length before anything decodes it. */
const sizedBody = (event: HttpEvent): string | undefined => {
  if (event.isBase64Encoded && (event.body?.length ?? 0) > MAX_BASE64_BODY_LENGTH) {
    throw new AppError("payload_too_large", `Body must be at most ${Limits.maxBodyBytes} bytes`);
  }
  return event.body;
};

const headers = (requestId: string, retryAfter: number | undefined) => ({
  "content-type": "application/json; charset=utf-8",
  ...securityHeaders,
  "x-request-id": requestId,
  ...(retryAfter !== undefined && { "retry-after": String(retryAfter) }),
});

/**
 * The HTTP edge: parses and validates path, query and JSON body with the @chat/types schemas, calls the route,
 * and turns its reply or error into an API Gateway response. It logs one line per request and flushes metrics.
 */
export const http =
  <S extends Schemas, T>(schemas: S, route: (request: HttpRequest<S>) => Promise<HttpReply<T>>) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const started = performance.now();
    const requestId = event.requestContext.requestId;
    const log = logger.child({ requestId, route: event.routeKey, roomId: event.pathParameters?.roomId });
    let reply: HttpReply<unknown> & { retryAfter?: number | undefined };
    try {
      const request = {
        identity: publicHttpRoutes.includes(event.routeKey as never)
          ? null
          : httpIdentity(event.requestContext),
        params: schemas.params && validate(schemas.params, event.pathParameters ?? {}, "path"),
        query: schemas.query && validate(schemas.query, parseQuery(event.rawQueryString), "query"),
        body:
          schemas.body && validate(schemas.body, parseJson(sizedBody(event), event.isBase64Encoded), "body"),
        method: event.requestContext.http.method,
        path: event.rawPath,
        requestId,
        log,
      } as HttpRequest<S>;
      reply = await route(request);
    } catch (error) {
      reply = mapError(error, log);
    } finally {
      flushMetrics();
    }
    log.info({ status: reply.status, durationMs: Math.round(performance.now() - started) }, "request");
    return {
      statusCode: reply.status,
      headers: headers(requestId, reply.retryAfter),
      body: JSON.stringify(reply.body),
    };
  };
