import { GoneException } from "@aws-sdk/client-apigatewaymanagementapi";
import { beforeFirstUse } from "@chat/core/first-use";
import type { ErrorResponse } from "@chat/types";
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { encodeFrame, postToConnection } from "../management-api";
import { flushMetrics, type Logger, logger } from "../observability";
import { mapError } from "./errors";

export type SocketEvent = APIGatewayProxyWebsocketEventV2;

export interface SocketRequest {
  event: SocketEvent;
  connectionId: string;
  log: Logger;
}

/** What a WebSocket route answers: a status (`$connect` refuses the handshake with a non-2xx one). */
export type SocketReply = { status: number; body?: ErrorResponse };

/**
 * The WebSocket edge for `$connect` and `$disconnect`: an error becomes the route's status, which on `$connect`
 * refuses the handshake with it.
 */
export const socket =
  (route: (request: SocketRequest) => Promise<SocketReply>) =>
  async (event: SocketEvent): Promise<APIGatewayProxyResultV2> => {
    const { connectionId, routeKey, requestId } = event.requestContext;
    // Loads what the handler deferred from its cold start (the logger among it): a failure here is a broken bundle.
    await beforeFirstUse();
    const log = logger.child({ requestId, connectionId, route: routeKey });
    let reply: SocketReply;
    try {
      reply = await route({ event, connectionId, log });
    } catch (error) {
      reply = mapError(error, log);
    } finally {
      flushMetrics();
    }
    log.info({ status: reply.status }, "socket event");
    return { statusCode: reply.status, ...(reply.body && { body: JSON.stringify(reply.body) }) };
  };

/** A frame sent on a connection: its raw body, before parsing. */
export type FrameRequest = SocketRequest & { body: string | undefined };

/** What an error frame names of the frame it answers (a send's `clientMessageId`, a room frame's `roomId`). */
export type FrameCorrelation = { clientMessageId?: string | null; roomId?: string };

/**
 * The WebSocket edge for frames (`$default`): the route's replies and any error are pushed back to the sending
 * connection as frames, the error frame naming what it answers (`correlate`, read from the raw body); the
 * connection always stays open.
 */
export const frames = (
  route: (request: FrameRequest) => Promise<void>,
  correlate: (body: string | undefined) => FrameCorrelation = () => ({}),
) =>
  socket(async (request) => {
    const body = request.event.body;
    try {
      await route({ ...request, body });
    } catch (error) {
      // The sender left before its answer: nobody to tell.
      if (error instanceof GoneException) return { status: 200 };
      const { body: failure, retryAfter } = mapError(error, request.log);
      const frame = { type: "error" as const, ...correlate(body), error: failure };
      await reply(request, retryAfter === undefined ? frame : { ...frame, retryAfter }).catch(
        (problem: unknown) => {
          if (!(problem instanceof GoneException)) throw problem;
        },
      );
    }
    return { status: 200 };
  });

/** Sends a frame back to the connection a request came from. */
export const reply = async ({ connectionId }: SocketRequest, frame: Parameters<typeof encodeFrame>[0]) =>
  postToConnection(connectionId, encodeFrame(frame));
