import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer, type Socket, connect as tcpConnect } from "node:net";
import WebSocket from "ws";

/** What the stub does with one request it matches. */
export type Step =
  /** Answers this status itself, with an ErrorResponse body and, if given, a retry-after header. */
  | { answer: number; retryAfter?: string; body?: string }
  /** Forwards the request, lets the real API act on it, then drops the connection instead of answering. */
  | { forwardThenDrop: true }
  /** Drops the connection without forwarding: the request never reaches the API. */
  | { reset: true }
  /** Forwards the request only once `until` resolves. */
  | { holdUntil: Promise<unknown> };

export interface Exchange {
  method: string;
  url: string;
  body: string;
  /** The status the client got, or "dropped". */
  outcome: number | "dropped";
  /** The body the real API answered, when the request reached it. */
  upstreamBody?: string;
}

const errorBodies: Record<number, string> = {
  429: JSON.stringify({ code: "rate_limited", message: "Slow down" }),
  503: JSON.stringify({ code: "unavailable", message: "Storage is throttled" }),
};

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
};

/**
 * A stand-in for trouble between the client and the real HTTP API, on loopback: requests that match `applies`
 * take the next scripted step (answered here, dropped, held), everything else is forwarded to `target` untouched.
 */
export const startFlakyProxy = async (
  target: string,
  steps: Step[],
  applies: (method: string, url: string) => boolean = () => true,
) => {
  const script = [...steps];
  const exchanges: Exchange[] = [];
  const forward = async (method: string, url: string, headers: IncomingMessage["headers"], body: string) =>
    fetch(`${target}${url}`, {
      method,
      headers: { "content-type": String(headers["content-type"] ?? "application/json") },
      ...(body && { body }),
    });

  const server: Server = createServer(async (req, res) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const body = await readBody(req);
    const exchange: Exchange = { method, url, body, outcome: "dropped" };
    exchanges.push(exchange);
    const step = applies(method, url) ? script.shift() : undefined;
    if (step && "answer" in step) {
      exchange.outcome = step.answer;
      res.writeHead(step.answer, {
        "content-type": "application/json",
        ...(step.retryAfter !== undefined && { "retry-after": step.retryAfter }),
      });
      res.end(step.body ?? errorBodies[step.answer] ?? "{}");
      return;
    }
    if (step && "reset" in step) {
      req.socket.destroy();
      return;
    }
    if (step && "holdUntil" in step) await step.holdUntil;
    const upstream = await forward(method, url, req.headers, body);
    exchange.upstreamBody = await upstream.text();
    if (step && "forwardThenDrop" in step) {
      req.socket.destroy();
      return;
    }
    exchange.outcome = upstream.status;
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "x-request-id", "retry-after"]) {
      const value = upstream.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    res.writeHead(upstream.status, headers).end(exchange.upstreamBody);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    /** Steps not taken yet. */
    remaining: () => script.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

/**
 * A stand-in for the network between the client and the real WebSocket API: a loopback TCP relay that can be cut
 * off. While blocked it refuses every new connection (as an unreachable API would) and counts the attempts.
 * Muted, it stops passing on what the server sends.
 */
export const startRelay = async (targetPort: number) => {
  let blocked = false;
  let muted = false;
  let refused = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    if (blocked) {
      refused++;
      client.destroy();
      return;
    }
    const upstream = tcpConnect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (!muted) client.write(chunk);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    wsUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    block: () => {
      blocked = true;
    },
    unblock: () => {
      blocked = false;
    },
    /** From now on, passes nothing the server sends on to the clients: their sockets stay open but hear nothing. */
    mute: () => {
      muted = true;
    },
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};

/** Raw frames as they came off the wire, for every socket opened by {@link RecordingWebSocket}. */
export const rawFrames: string[] = [];

/** The `ws` client, keeping each frame it receives in {@link rawFrames}: to see what the server really sent. */
export class RecordingWebSocket extends WebSocket {
  constructor(url: string) {
    super(url);
    this.on("message", (data) => rawFrames.push(String(data)));
  }
}
