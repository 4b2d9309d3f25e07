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
  "GET /rooms/{roomId}/members": "http/list-members",
  "GET /openapi.json": "http/openapi",
  $default: "http/not-found",
} as const;

/** Routes anyone may call when the stage requires a token; every other HTTP route needs one. */
export const publicHttpRoutes: readonly (keyof typeof httpRoutes)[] = [
  "GET /health",
  "GET /openapi.json",
  "$default",
];

export const socketRoutes = {
  $connect: "ws/connect",
  $disconnect: "ws/disconnect",
  $default: "ws/default",
} as const;

/** The `$connect` authorizer (a Lambda REQUEST authorizer reading `?token=`), when the stage requires a token. */
export const socketAuthorizer = "ws/authorize";

/** The stream consumer: the broadcaster, fed only message INSERTs. */
export const broadcaster = { handler: "stream/broadcast", filter: messageInsertFilter } as const;

export type HandlerModule =
  | (typeof httpRoutes)[keyof typeof httpRoutes]
  | (typeof socketRoutes)[keyof typeof socketRoutes]
  | typeof socketAuthorizer
  | typeof broadcaster.handler;

/** Every handler module of the tables above, once each: what gets bundled, deployed and loaded. */
export const handlerModules: readonly HandlerModule[] = [
  ...new Set<HandlerModule>([
    ...Object.values(httpRoutes),
    ...Object.values(socketRoutes),
    socketAuthorizer,
    broadcaster.handler,
  ]),
];

/**
 * The handlers that push frames to WebSocket connections: `$connect` and `$disconnect` announce presence, `$default`
 * answers frames and relays typing, the broadcaster pushes messages. Only these are linked to the WebSocket API,
 * which grants `execute-api:ManageConnections`.
 */
export const postsToConnections = [
  "ws/connect",
  "ws/disconnect",
  "ws/default",
  "stream/broadcast",
] as const satisfies readonly HandlerModule[];

/** The handler as SST names it: a path from the repository root, then the export. */
export const sstHandler = (module: HandlerModule): string => `packages/functions/src/${module}.handler`;
