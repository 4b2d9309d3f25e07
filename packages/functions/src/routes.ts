import { messageInsertFilter } from "@chat/core/table-definition";

/**
 * The route table: every API Gateway route and the handler module serving it. `infra/` builds the APIs from it and
 * the local stack serves it; nothing else lists routes. Handlers are paths under `packages/functions/src`, each
 * module exporting `handler`.
 */
export const httpRoutes = {
  "GET /health": "http/health",
  "GET /rooms": "http/list-rooms",
  "POST /rooms/{roomId}/messages": "http/send-message",
  "GET /rooms/{roomId}/messages": "http/get-messages",
  $default: "http/not-found",
} as const;

export const socketRoutes = {
  $connect: "ws/connect",
  $disconnect: "ws/disconnect",
  $default: "ws/default",
} as const;

/** The stream consumer: the broadcaster, fed only message INSERTs. */
export const broadcaster = { handler: "stream/broadcast", filter: messageInsertFilter } as const;

export type HandlerModule =
  | (typeof httpRoutes)[keyof typeof httpRoutes]
  | (typeof socketRoutes)[keyof typeof socketRoutes]
  | typeof broadcaster.handler;

/**
 * The handlers that push frames to WebSocket connections (`ws/default` answers pong and error frames; the broadcaster
 * pushes messages). Only these are linked to the WebSocket API, which grants `execute-api:ManageConnections`.
 */
export const postsToConnections = [
  "ws/default",
  "stream/broadcast",
] as const satisfies readonly HandlerModule[];

/** The handler as SST names it: a path from the repository root, then the export. */
export const sstHandler = (module: HandlerModule): string => `packages/functions/src/${module}.handler`;
