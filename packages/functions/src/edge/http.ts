import { AppError } from "@chat/core/error";
import { beforeFirstUse } from "@chat/core/first-use";
import { type ErrorCode, Limits } from "@chat/types";
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

/** One response of an operation: its status is the key of `Operation.responses`. */
export interface ResponseDeclaration {
  schema: v.GenericSchema;
  description: string;
}

/**
 * Everything about an HTTP route that its handler module states once: the schemas `http()` validates the request
 * with and types the reply against, and what the OpenAPI document says of it (`openapi/document.ts` builds the
 * document from these declarations and the route table).
 */
export interface Operation {
  /** OpenAPI's `operationId`; the `$default` route, which the document leaves out, has none. */
  operationId?: string;
  summary?: string;
  description?: string;
  /** Path parameters: an object schema, one entry per `{name}` of the route. */
  params?: v.GenericSchema;
  /** Query parameters: an object schema (or a pipe starting with one), one entry per parameter. */
  query?: v.GenericSchema;
  /** The JSON body. */
  body?: v.GenericSchema;
  /** What the document says of each path or query parameter, by name. */
  parameters?: Readonly<Record<string, string>>;
  /** Every success status the route answers, with its body's schema. */
  responses: Readonly<Record<number, ResponseDeclaration>>;
  /** The error codes the route itself can answer (any route may also answer `internal`). */
  errors?: readonly ErrorCode[];
}

type Parsed<O extends Operation, K extends "params" | "query" | "body"> = O[K] extends v.GenericSchema
  ? v.InferOutput<O[K]>
  : undefined;

export interface HttpRequest<O extends Operation> {
  /** The token's subject, name and admin flag when the stage requires tokens, else null. */
  identity: Identity | null;
  /** The request's headers, lower-cased names (`callerOf` reads `x-user-id` / `x-user-name` from them). */
  headers: Readonly<Record<string, string | undefined>>;
  params: Parsed<O, "params">;
  query: Parsed<O, "query">;
  body: Parsed<O, "body">;
  method: string;
  path: string;
  requestId: string;
  log: Logger;
}

/** A status the operation declares. */
export type Status<O extends Operation> = keyof O["responses"] & number;

/** A reply the operation declares: one of its statuses, with a body of that status's schema. */
export interface HttpReply<O extends Operation, S extends Status<O>> {
  status: S;
  body: BodyOf<O["responses"][S]>;
}

type BodyOf<R> = R extends { schema: infer S extends v.GenericSchema } ? v.InferOutput<S> : never;

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
 * The HTTP edge: parses and validates path, query and JSON body with the operation's schemas (from @chat/types),
 * calls the route, whose reply must be one the operation declares, and turns that reply or an error into an API
 * Gateway response. It logs one line per request and flushes metrics.
 */
export const http =
  <const O extends Operation, const S extends Status<O>>(
    operation: O,
    route: (request: HttpRequest<O>) => Promise<HttpReply<O, S>>,
  ) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const started = performance.now();
    const requestId = event.requestContext.requestId;
    // Loads what the handler deferred from its cold start (the logger among it): a failure here is a broken bundle.
    await beforeFirstUse();
    const log = logger.child({ requestId, route: event.routeKey, roomId: event.pathParameters?.roomId });
    let reply: { status: number; body: unknown; retryAfter?: number | undefined };
    try {
      const request = {
        identity: publicHttpRoutes.includes(event.routeKey as never)
          ? null
          : httpIdentity(event.requestContext),
        headers: event.headers ?? {},
        params: operation.params && validate(operation.params, event.pathParameters ?? {}, "path"),
        query: operation.query && validate(operation.query, parseQuery(event.rawQueryString), "query"),
        body:
          operation.body &&
          validate(operation.body, parseJson(sizedBody(event), event.isBase64Encoded), "body"),
        method: event.requestContext.http.method,
        path: event.rawPath,
        requestId,
        log,
      } as HttpRequest<O>;
      reply = (await route(request)) as typeof reply;
    } catch (error) {
      reply = mapError(error, log);
    } finally {
      flushMetrics();
    }
    log.info({ status: reply.status, durationMs: Math.round(performance.now() - started) }, "request");
    return {
      statusCode: reply.status,
      headers: headers(requestId, reply.retryAfter),
      // 204 No Content carries no body.
      body: reply.status === 204 ? "" : JSON.stringify(reply.body),
    };
  };
