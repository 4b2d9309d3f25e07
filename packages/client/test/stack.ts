import { type LocalStack, type LocalStackOptions, startLocalStack } from "@chat/local";
import { afterAll, beforeAll } from "vitest";
import WebSocket from "ws";
import { type ChatClientOptions, createChatClient } from "../src/index";

/** The real local stack (DynamoDB Local, HTTP and WebSocket API emulation, stream poller), one per test file. */
export const useLocalStack = (options: LocalStackOptions = {}): { readonly current: LocalStack } => {
  const holder: { current?: LocalStack } = {};
  beforeAll(async () => {
    // The client's own behaviour is under test here, not the stage's rate limits.
    holder.current = await startLocalStack({
      httpPort: 0,
      wsPort: 0,
      tableName: "chat-client",
      limits: { sendsPerMinute: 100_000, framesPerMinute: 100_000, connectionsPerUser: 1_000 },
      ...options,
    });
  });
  afterAll(async () => {
    await holder.current?.stop();
  });
  return {
    get current() {
      if (!holder.current) throw new Error("the local stack is not started yet");
      return holder.current;
    },
  };
};

let counter = 0;
/** A room of its own for each test. */
export const uniqueRoom = (name: string) => `${name}-${process.pid}-${Date.now()}-${counter++}`;

/** A client of the stack for a user, in Node 20 (the `ws` package stands in for the missing global WebSocket). */
export const clientFor = (stack: LocalStack, user: string, options: Partial<ChatClientOptions> = {}) =>
  createChatClient({
    httpUrl: stack.httpUrl,
    wsUrl: stack.wsUrl,
    userId: user,
    username: user,
    WebSocket,
    ...options,
  });

/** The ids of the room's live connections, as the stack stored them. */
export const connectionIds = async (roomId: string): Promise<string[]> => {
  // Imported once the stack has set the environment that @chat/core reads when it loads.
  const { Connection } = await import("@chat/core");
  return (await Connection.inRoom(roomId)).connections.map(({ connectionId }) => connectionId);
};

const managementUrl = (stack: LocalStack, connectionId: string) =>
  `${stack.wsUrl.replace(/^ws/, "http")}/@connections/${encodeURIComponent(connectionId)}`;

/** Closes every connection of a room from the server side, through the management API (as API Gateway would). */
export const dropConnections = async (stack: LocalStack, roomId: string): Promise<number> => {
  const ids = await connectionIds(roomId);
  for (const id of ids) {
    const response = await fetch(managementUrl(stack, id), { method: "DELETE" });
    if (response.status !== 204) throw new Error(`DELETE @connections answered ${response.status}`);
  }
  return ids.length;
};

/** Pushes a raw frame to every connection of a room through the management API, as the broadcaster does. */
export const pushToRoom = async (stack: LocalStack, roomId: string, frame: unknown): Promise<void> => {
  for (const id of await connectionIds(roomId)) {
    await fetch(managementUrl(stack, id), { method: "POST", body: JSON.stringify(frame) });
  }
};

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export const waitFor = async <T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
