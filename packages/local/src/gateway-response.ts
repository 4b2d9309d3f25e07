import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { securityHeaders } from "@chat/functions/edge/security-headers";
import type { ErrorCode } from "@chat/types";

// Responses the emulated gateway makes itself (refusals, start-up, its development issuer) carry the same security
// headers as the handlers' responses: a browser must not treat any of them differently.

type Headers = Record<string, string>;

/** Seconds a client is told to wait while the stack is starting. */
const STARTING_RETRY_AFTER_SECONDS = 1;

export const gatewayHeaders = (extra: Headers = {}): Headers => ({
  "content-type": "application/json; charset=utf-8",
  ...securityHeaders,
  ...extra,
});

/** A JSON response with the security headers. */
export const sendJson = (res: ServerResponse, status: number, body: unknown, extra: Headers = {}): void => {
  res.writeHead(status, gatewayHeaders(extra)).end(JSON.stringify(body));
};

/** An `ErrorResponse` of the contract. */
export const sendError = (
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  extra: Headers = {},
): void => sendJson(res, status, { code, message }, extra);

/** Refuses a WebSocket handshake with an HTTP response on the raw socket, and closes it. */
export const refuseUpgrade = (tcp: Duplex, status: number, body: string, extra: Headers = {}): void => {
  if (tcp.destroyed) return;
  const headers = {
    ...gatewayHeaders(extra),
    connection: "close",
    "content-length": String(Buffer.byteLength(body)),
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  tcp.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n${lines.join("")}\r\n${body}`);
};

/**
 * Answers what Node's HTTP parser refuses before any handler runs: 431 for request headers over the server's
 * limit (API Gateway's 10 KiB), 400 for anything it cannot parse.
 */
export const answerClientErrors = (server: Server): void => {
  server.on("clientError", (error: NodeJS.ErrnoException, tcp: Duplex) => {
    if (error.code === "ECONNRESET" || !tcp.writable) return void tcp.destroy();
    const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
    const status = tooLarge ? 431 : 400;
    refuseUpgrade(tcp, status, JSON.stringify({ message: STATUS_CODES[status] }));
  });
};

/**
 * Answers every request and WebSocket handshake with 503 `unavailable` and `retry-after` until `ready()` is called,
 * so a port bound before the stack is ready never leaves a request waiting. `ready()` removes these listeners; the
 * real ones must be attached in the same tick.
 */
export const answerWhileStarting = (servers: Server[]) => {
  const message = "The local stack is starting; retry in a moment";
  const retryAfter = { "retry-after": String(STARTING_RETRY_AFTER_SECONDS) };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    // The body is not needed; reading it lets the connection be reused.
    req.resume();
    sendError(res, 503, "unavailable", message, retryAfter);
  };
  const onUpgrade = (_req: IncomingMessage, tcp: Duplex) => {
    tcp.on("error", () => tcp.destroy());
    refuseUpgrade(tcp, 503, JSON.stringify({ code: "unavailable", message }), retryAfter);
  };
  for (const server of servers) server.on("request", onRequest).on("upgrade", onUpgrade);
  return {
    ready: () => {
      for (const server of servers) server.off("request", onRequest).off("upgrade", onUpgrade);
    },
  };
};
