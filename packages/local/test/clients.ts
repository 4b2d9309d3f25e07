import type { IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { GetMessagesResponse, ServerFrame } from "@chat/types";
import * as v from "valibot";
import WebSocket from "ws";

export interface TestClient {
  socket: WebSocket;
  frames: ServerFrame[];
  /** Resolves once `count` frames matching `predicate` have arrived; rejects after `timeoutMs`. */
  waitFor(
    count: number,
    predicate?: (frame: ServerFrame) => boolean,
    timeoutMs?: number,
  ): Promise<ServerFrame[]>;
  /** Resolves once `condition` holds, checked after every frame; rejects after `timeoutMs`. */
  until(condition: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A real WebSocket client that keeps every frame it receives, validated against the contract. */
export const connectClient = (wsUrl: string, query: Record<string, string>): Promise<TestClient> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(`${wsUrl}/?${new URLSearchParams(query)}`);
    const frames: ServerFrame[] = [];
    const waiters = new Set<() => void>();
    const until = (condition: () => boolean, timeoutMs = 5_000, what = () => "a condition") =>
      new Promise<void>((done, fail) => {
        const check = () => {
          if (!condition()) return;
          waiters.delete(check);
          clearTimeout(timer);
          done();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`waited ${timeoutMs} ms for ${what()}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    socket.on("message", (data) => {
      frames.push(v.parse(ServerFrame, JSON.parse(String(data))));
      for (const wake of waiters) wake();
    });
    socket.once("unexpected-response", (_, response) =>
      reject(new Error(`handshake refused: ${response.statusCode}`)),
    );
    socket.once("error", reject);
    socket.once("open", () =>
      resolve({
        socket,
        frames,
        waitFor: (count, predicate = () => true, timeoutMs = 5_000) =>
          until(
            () => frames.filter(predicate).length >= count,
            timeoutMs,
            () => {
              return `${count} frames, got ${frames.filter(predicate).length}`;
            },
          ).then(() => frames.filter(predicate)),
        until,
        close: () =>
          new Promise<void>((closed) => {
            if (socket.readyState === WebSocket.CLOSED) return closed();
            socket.once("close", () => closed());
            socket.close();
          }),
      }),
    );
  });

/** Opens a handshake expected to be refused, and returns the HTTP status, headers and body it was refused with. */
export const refusedHandshake = (
  wsUrl: string,
  query: string,
): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(`${wsUrl}/?${query}`);
    socket.once("open", () => {
      socket.close();
      reject(new Error("handshake was accepted"));
    });
    socket.once("error", () => undefined);
    socket.once("unexpected-response", (_, response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          headers: response.headers,
        }),
      );
    });
  });

export const isMessage = (frame: ServerFrame): frame is Extract<ServerFrame, { type: "message" }> =>
  frame.type === "message";

/** Every message id of a room, oldest first, read page by page forwards from the smallest possible id. */
export const historyIds = async (httpUrl: string, roomId: string): Promise<string[]> => {
  const ids: string[] = [];
  let after = "0".repeat(26);
  for (;;) {
    const response = await fetch(`${httpUrl}/rooms/${roomId}/messages?limit=100&after=${after}`);
    const page = v.parse(GetMessagesResponse, await response.json());
    ids.push(...page.messages.map((message) => message.id));
    if (!page.hasMore) return ids;
    after = page.messages.at(-1)?.id ?? after;
  }
};

/**
 * Sends a WebSocket handshake by hand with the given `Sec-WebSocket-Key` (an invalid one makes the upgrade fail
 * after `$connect` has run) and returns the status it was answered with.
 */
export const rawHandshake = (wsUrl: string, query: string, key: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(wsUrl);
    const tcp = connect(Number(port), hostname);
    let response = "";
    tcp.on("data", (chunk: Buffer) => {
      response += chunk.toString();
    });
    tcp.once("close", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0)));
    tcp.once("error", reject);
    tcp.write(
      `GET /?${query} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });

/**
 * The rate counters are fixed one-minute windows: start a flood (or a run that spans a reconnect) well inside one,
 * so a window's reset cannot split it.
 */
export const wellInsideAMinute = async (): Promise<void> => {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
};
