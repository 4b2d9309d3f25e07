import { messageChangeFilter } from "@chat/core/table-definition";
import { integrationsFilters } from "@chat/core/webhook/filter";

/**
 * The route table: every API Gateway route and the handler module serving it. `infra/` builds the APIs from it and
 * the local stack serves it; nothing else lists routes. Handlers are paths under `packages/functions/src`, each
 * module exporting `handler`.
 */
export const httpRoutes = {
  "GET /health": "http/health",
  "GET /rooms": "http/list-rooms",
  "POST /rooms": "http/create-room",
  "GET /rooms/{roomId}": "http/get-room",
  "PATCH /rooms/{roomId}": "http/update-room",
  "PUT /direct/{userId}": "http/open-direct",
  "GET /me/rooms": "http/my-rooms",
  "POST /rooms/{roomId}/messages": "http/send-message",
  "GET /rooms/{roomId}/messages": "http/get-messages",
  "GET /rooms/{roomId}/messages/{messageId}/replies": "http/get-replies",
  "PUT /rooms/{roomId}/read": "http/mark-read",
  "GET /rooms/{roomId}/reads": "http/list-reads",
  "PATCH /rooms/{roomId}/messages/{messageId}": "http/edit-message",
  "DELETE /rooms/{roomId}/messages/{messageId}": "http/delete-message",
  "PUT /rooms/{roomId}/messages/{messageId}/reactions/{emoji}": "http/put-reaction",
  "DELETE /rooms/{roomId}/messages/{messageId}/reactions/{emoji}": "http/delete-reaction",
  "GET /rooms/{roomId}/messages/{messageId}/reactions/{emoji}": "http/list-reactions",
  "GET /rooms/{roomId}/members": "http/list-members",
  "GET /rooms/{roomId}/presence": "http/list-presence",
  "PUT /rooms/{roomId}/members/{userId}": "http/put-member",
  "DELETE /rooms/{roomId}/members/{userId}": "http/remove-member",
  "GET /rooms/{roomId}/bans": "http/list-bans",
  "PUT /rooms/{roomId}/bans/{userId}": "http/ban-user",
  "DELETE /rooms/{roomId}/bans/{userId}": "http/unban-user",
  "PUT /rooms/{roomId}/mutes/{userId}": "http/mute-user",
  "DELETE /rooms/{roomId}/mutes/{userId}": "http/unmute-user",
  "GET /rooms/{roomId}/blocklist": "http/get-blocklist",
  "PUT /rooms/{roomId}/blocklist": "http/put-blocklist",
  "PUT /me/push-subscriptions/{id}": "http/put-push-subscription",
  "DELETE /me/push-subscriptions/{id}": "http/delete-push-subscription",
  "GET /push/vapid-public-key": "http/vapid-public-key",
  "GET /openapi.json": "http/openapi",
  $default: "http/not-found",
} as const;

/** Routes anyone may call when the stage requires a token; every other HTTP route needs one. */
export const publicHttpRoutes: readonly (keyof typeof httpRoutes)[] = [
  "GET /health",
  "GET /openapi.json",
  "GET /push/vapid-public-key",
  "$default",
];

export const socketRoutes = {
  $connect: "ws/connect",
  $disconnect: "ws/disconnect",
  $default: "ws/default",
} as const;

/** The `$connect` authorizer (a Lambda REQUEST authorizer reading `?token=`), when the stage requires a token. */
export const socketAuthorizer = "ws/authorize";

/** The stream consumer: the broadcaster, fed only message INSERTs and MODIFYs. */
export const broadcaster = { handler: "stream/broadcast", filter: messageChangeFilter } as const;

/**
 * The second stream consumer: webhook events (and Web Push) from the rows that make them. Its filters pass any of
 * their patterns.
 */
export const integrations = { handler: "stream/integrations", filters: integrationsFilters } as const;

/** The webhook deliverer, fed by the webhook queue. */
export const webhookDeliverer = "queue/deliver-webhook";

/**
 * The fan-out worker: posts one shard of a big room's broadcast, invoked asynchronously by the broadcaster (and by
 * itself for connections it could not reach in time). See `fan-out/shards.ts`.
 */
export const fanOutWorker = "fan-out/worker";

export type HandlerModule =
  | (typeof httpRoutes)[keyof typeof httpRoutes]
  | (typeof socketRoutes)[keyof typeof socketRoutes]
  | typeof socketAuthorizer
  | typeof broadcaster.handler
  | typeof integrations.handler
  | typeof webhookDeliverer
  | typeof fanOutWorker;

/** Every handler module of the tables above, once each: what gets bundled, deployed and loaded. */
export const handlerModules: readonly HandlerModule[] = [
  ...new Set<HandlerModule>([
    ...Object.values(httpRoutes),
    ...Object.values(socketRoutes),
    socketAuthorizer,
    broadcaster.handler,
    integrations.handler,
    webhookDeliverer,
    fanOutWorker,
  ]),
];

/**
 * The handlers that push frames to WebSocket connections: `$connect` and `$disconnect` announce presence, `$default`
 * answers frames and relays typing, the broadcaster and the fan-out workers push messages. Only these are linked to the WebSocket API,
 * which grants `execute-api:ManageConnections`.
 */
export const postsToConnections = [
  "ws/connect",
  "ws/disconnect",
  "ws/default",
  "stream/broadcast",
  "fan-out/worker",
  // Membership changes tell the room (`member`, presence) and a removed user's connections (`unsubscribed`).
  "http/put-member",
  "http/remove-member",
  "http/ban-user",
  "http/mute-user",
  "http/unmute-user",
  // A read cursor's move is told to the room (`read`).
  "http/mark-read",
] as const satisfies readonly HandlerModule[];

/**
 * A DynamoDB IAM action on the table. A transaction needs no action of its own: IAM authorises each of its items
 * as the single-item call (a transactional put is `PutItem`, an update `UpdateItem`, a condition check
 * `ConditionCheckItem`).
 */
export type TableAction =
  | "GetItem"
  | "Query"
  | "PutItem"
  | "UpdateItem"
  | "DeleteItem"
  | "ConditionCheckItem"
  | "BatchGetItem"
  | "BatchWriteItem";

/** What a handler may do to the table: actions on its items, and on its global indexes (only a Query reads one). */
export interface TableAccess {
  table: readonly TableAction[];
  indexes: readonly "Query"[];
}

// The prune of a connection API Gateway reports gone (`Connection.disconnect`: Query, GetItem, UpdateItem,
// DeleteItem) can happen in every handler that fans out; fanning out reads the room index (`Connection.inRoom`).
const fansOut = { table: ["Query", "GetItem", "UpdateItem", "DeleteItem"], indexes: ["Query"] } as const;

/**
 * What each handler does to the table, from the core calls it makes (ElectroDB: `get` is GetItem, `query` Query,
 * `create` a conditional PutItem, `put` PutItem, `update`/`upsert` UpdateItem, `delete` DeleteItem,
 * `transaction.write` the items' own actions). Infra grants exactly this to each function and nothing to a null
 * entry, which is not linked to the table at all; the broadcaster's stream read comes with its subscription.
 */
export const tableAccess: { readonly [Module in HandlerModule]: TableAccess | null } = {
  "http/health": null,
  "http/openapi": null,
  "http/not-found": null,
  "ws/authorize": null,
  // Room.listPublic: one Query of gsi1.
  "http/list-rooms": { table: [], indexes: ["Query"] },
  // Room.create: a transaction of two conditional puts (room, owner).
  "http/create-room": { table: ["PutItem"], indexes: [] },
  // Room.get: the access read (BatchGetItem), the room's online count (GetItem).
  "http/get-room": { table: ["BatchGetItem", "GetItem"], indexes: [] },
  // Room.update: the access read (BatchGetItem), `general`'s row on first use (PutItem), the patch (UpdateItem).
  "http/update-room": { table: ["BatchGetItem", "PutItem", "UpdateItem"], indexes: [] },
  // Room.ensureDirect: BatchGetItem; a transaction of puts the first time; the caller's name (UpdateItem).
  "http/open-direct": { table: ["BatchGetItem", "PutItem", "UpdateItem"], indexes: [] },
  // Member.rooms: the memberships (gsi1), the newest message per room (Query), the rooms (BatchGetItem), the
  // caller's read cursors and the unread counts (Query).
  "http/my-rooms": { table: ["BatchGetItem", "Query"], indexes: ["Query"] },
  // RateLimit.hit (UpdateItem); Room.preparePost (BatchGetItem; room and member puts); slow mode (Message.isRepeat:
  // GetItem; RateLimit.pace: UpdateItem, GetItem); Message.send: create or a transaction of puts (a reply's with the
  // parent's count, UpdateItem), GetItem on replay or a refused parent.
  "http/send-message": { table: ["BatchGetItem", "GetItem", "PutItem", "UpdateItem"], indexes: [] },
  // Room.access (BatchGetItem), Message.list or Message.around (Query).
  "http/get-messages": { table: ["BatchGetItem", "Query"], indexes: [] },
  // Room.access and Message.replies: the parent (GetItem), the thread (Query of gsi1), its rows (BatchGetItem).
  "http/get-replies": { table: ["BatchGetItem", "GetItem"], indexes: ["Query"] },
  // Read.mark: the access read (BatchGetItem), the message and the cursor (GetItem), two conditional upserts
  // (UpdateItem), the unread count (Query); the move told to the room (Query of gsi1; prunes gone connections).
  "http/mark-read": {
    table: ["BatchGetItem", "DeleteItem", "GetItem", "Query", "UpdateItem"],
    indexes: ["Query"],
  },
  // Read.receipts: the access read (BatchGetItem), the receipt rows (Query).
  "http/list-reads": { table: ["BatchGetItem", "Query"], indexes: [] },
  // Room.check (BatchGetItem); Message.edit: a conditional UpdateItem, GetItem to say why it was refused.
  "http/edit-message": { table: ["BatchGetItem", "GetItem", "UpdateItem"], indexes: [] },
  // Message.remove: GetItem, the access read (BatchGetItem), a conditional UpdateItem.
  "http/delete-message": { table: ["BatchGetItem", "GetItem", "UpdateItem"], indexes: [] },
  // Room.check; Reaction.add: the message (GetItem), a transaction: the reaction row's put, the user's row and the
  // message's counts (UpdateItem).
  "http/put-reaction": { table: ["BatchGetItem", "GetItem", "PutItem", "UpdateItem"], indexes: [] },
  // Room.check; Reaction.remove: the message (GetItem), a transaction: the reaction row's delete, two updates.
  "http/delete-reaction": { table: ["BatchGetItem", "DeleteItem", "GetItem", "UpdateItem"], indexes: [] },
  // Room.access; Reaction.users: the message (GetItem), its reaction rows (Query).
  "http/list-reactions": { table: ["BatchGetItem", "GetItem", "Query"], indexes: [] },
  // Member.list: the access read, the member rows and the presence rows (Query).
  "http/list-members": { table: ["BatchGetItem", "Query"], indexes: [] },
  // Room.access, Presence.list.
  "http/list-presence": { table: ["BatchGetItem", "Query"], indexes: [] },
  // Member.put: BatchGetItem, the presence row (GetItem), a create (PutItem) or a role patch with the owner count;
  // the room told (Query of gsi1).
  "http/put-member": { table: ["BatchGetItem", "GetItem", "PutItem", "UpdateItem"], indexes: ["Query"] },
  // Member.remove (BatchGetItem; a transaction deleting the row, patching the owner count); Connection.revoke:
  // the user's connections (Query), their subscription rows (GetItem), deleted with the session's counter
  // (DeleteItem, UpdateItem), Presence.leave and settle (UpdateItem, DeleteItem), the leave announced to the room's
  // connections (Query of gsi1).
  "http/remove-member": {
    table: ["BatchGetItem", "DeleteItem", "GetItem", "Query", "UpdateItem"],
    indexes: ["Query"],
  },
  // Ban.put (BatchGetItem; a transaction: ban put, member delete); Connection.revoke and the leave as above.
  "http/ban-user": {
    table: ["BatchGetItem", "DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"],
    indexes: ["Query"],
  },
  // Ban.remove.
  "http/unban-user": { table: ["BatchGetItem", "DeleteItem"], indexes: [] },
  // Ban.list.
  "http/list-bans": { table: ["BatchGetItem", "Query"], indexes: [] },
  // Member.mute / unmute: BatchGetItem, a patch, the presence row (GetItem); the room told (Query of gsi1).
  "http/mute-user": { table: ["BatchGetItem", "GetItem", "UpdateItem"], indexes: ["Query"] },
  "http/unmute-user": { table: ["BatchGetItem", "GetItem", "UpdateItem"], indexes: ["Query"] },
  // Blocklist.get: the access read (BatchGetItem), the list (GetItem).
  "http/get-blocklist": { table: ["BatchGetItem", "GetItem"], indexes: [] },
  // Blocklist.put: the access read, the list written (PutItem) or, emptied, deleted (DeleteItem).
  "http/put-blocklist": { table: ["BatchGetItem", "DeleteItem", "PutItem"], indexes: [] },
  // Connection.connect (a transaction: the user's counter, session, user and room rows), Presence.arrive; at the
  // cap, Connection.ofUser/recount and pruning the gone connections; presence.
  "ws/connect": { table: [...fansOut.table, "PutItem", "BatchGetItem"], indexes: fansOut.indexes },
  // Connection.disconnect (a transaction releasing the user's counter), Presence.settle; presence.
  "ws/disconnect": fansOut,
  // RateLimit.hit/throttle, Connection.session/subscribe/unsubscribe (transactions with the session's room
  // counter)/isSubscribed, Room.preparePost (BatchGetItem) and Message.send; presence, typing.
  "ws/default": { table: [...fansOut.table, "PutItem", "BatchGetItem"], indexes: fansOut.indexes },
  // Connection.inRoom per message (a big room: keys-only pages, one per shard); prunes gone connections.
  "stream/broadcast": fansOut,
  // Webhooks read nothing; Web Push reads the room's members and presence (Query), each away member's
  // subscriptions (Query), claims the 30 s slot per room and user (a conditional PutItem) and deletes gone ones.
  "stream/integrations": { table: ["DeleteItem", "PutItem", "Query"], indexes: [] },
  // Push.subscribe / unsubscribe: one PutItem / DeleteItem.
  "http/put-push-subscription": { table: ["PutItem"], indexes: [] },
  "http/delete-push-subscription": { table: ["DeleteItem"], indexes: [] },
  "http/vapid-public-key": null,
  "queue/deliver-webhook": null,
  // Connection.inRoom of its shard's slice (gsi1 Query); prunes gone connections.
  "fan-out/worker": fansOut,
};

/** The handler as SST names it: a path from the repository root, then the export. */
export const sstHandler = (module: HandlerModule): string => `packages/functions/src/${module}.handler`;
