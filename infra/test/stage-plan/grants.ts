import { type HandlerModule, postsToConnections, socketAuthorizer } from "@chat/functions/routes";
import { expect, it } from "vitest";
import { allows, type PlannedFunction, type Statement, Types } from "../plan-queries";
import type { StagePlanContext } from "./context";

type DynamoGrants = { table: string[]; index: string[]; stream: string[] };

/**
 * What each function may do to the table, its indexes (`table/index/*`) and its stream, spelled out: the review of
 * a change to a handler's access happens here. Transactions need their items' actions (`PutItem`...), nothing else.
 */
const expectedDynamoGrants: Record<HandlerModule, Partial<DynamoGrants>> = {
  "http/health": {},
  "http/openapi": {},
  "http/not-found": {},
  "ws/authorize": {},
  "http/list-rooms": { index: ["Query"] },
  "http/create-room": { table: ["PutItem"] },
  "http/get-room": { table: ["BatchGetItem", "GetItem"] },
  "http/update-room": { table: ["BatchGetItem", "PutItem", "UpdateItem"] },
  "http/open-direct": { table: ["BatchGetItem", "PutItem", "UpdateItem"] },
  "http/my-rooms": { table: ["BatchGetItem", "Query"], index: ["Query"] },
  "http/send-message": { table: ["BatchGetItem", "GetItem", "PutItem", "UpdateItem"] },
  "http/get-messages": { table: ["BatchGetItem", "Query"] },
  "http/get-replies": { table: ["BatchGetItem", "GetItem"], index: ["Query"] },
  "http/mark-read": {
    table: ["BatchGetItem", "DeleteItem", "GetItem", "Query", "UpdateItem"],
    index: ["Query"],
  },
  "http/list-reads": { table: ["BatchGetItem", "Query"] },
  "http/edit-message": { table: ["BatchGetItem", "GetItem", "UpdateItem"] },
  "http/delete-message": { table: ["BatchGetItem", "GetItem", "UpdateItem"] },
  "http/put-reaction": { table: ["BatchGetItem", "GetItem", "PutItem", "UpdateItem"] },
  "http/delete-reaction": { table: ["BatchGetItem", "DeleteItem", "GetItem", "UpdateItem"] },
  "http/list-reactions": { table: ["BatchGetItem", "GetItem", "Query"] },
  "http/list-members": { table: ["BatchGetItem", "Query"] },
  "http/list-presence": { table: ["BatchGetItem", "Query"] },
  "http/put-member": { table: ["BatchGetItem", "GetItem", "PutItem", "UpdateItem"], index: ["Query"] },
  "http/remove-member": {
    table: ["BatchGetItem", "DeleteItem", "GetItem", "Query", "UpdateItem"],
    index: ["Query"],
  },
  "http/list-bans": { table: ["BatchGetItem", "Query"] },
  "http/ban-user": {
    table: ["BatchGetItem", "DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"],
    index: ["Query"],
  },
  "http/unban-user": { table: ["BatchGetItem", "DeleteItem"] },
  "http/mute-user": { table: ["BatchGetItem", "GetItem", "UpdateItem"], index: ["Query"] },
  "http/unmute-user": { table: ["BatchGetItem", "GetItem", "UpdateItem"], index: ["Query"] },
  "http/get-blocklist": { table: ["BatchGetItem", "GetItem"] },
  "http/put-blocklist": { table: ["BatchGetItem", "DeleteItem", "PutItem"] },
  "ws/connect": {
    table: ["BatchGetItem", "DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"],
    index: ["Query"],
  },
  "ws/disconnect": { table: ["DeleteItem", "GetItem", "Query", "UpdateItem"], index: ["Query"] },
  "ws/default": {
    table: ["BatchGetItem", "DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"],
    index: ["Query"],
  },
  "stream/broadcast": {
    table: ["DeleteItem", "GetItem", "Query", "UpdateItem"],
    index: ["Query"],
    stream: ["DescribeStream", "GetRecords", "GetShardIterator", "ListStreams"],
  },
  // The integrations consumer reads only the stream (its subscription grants that) and the deliverer nothing.
  "stream/integrations": {
    table: ["DeleteItem", "PutItem", "Query"],
    stream: ["DescribeStream", "GetRecords", "GetShardIterator", "ListStreams"],
  },
  "http/put-push-subscription": { table: ["PutItem"] },
  "http/delete-push-subscription": { table: ["DeleteItem"] },
  "http/vapid-public-key": {},
  "queue/deliver-webhook": {},
  "fan-out/worker": { table: ["DeleteItem", "GetItem", "Query", "UpdateItem"], index: ["Query"] },
};

/** A function's DynamoDB actions (without the `dynamodb:` prefix), by what they apply to. */
const dynamoGrants = (statements: Statement[]): DynamoGrants => {
  const grants: Record<keyof DynamoGrants, Set<string>> = {
    table: new Set(),
    index: new Set(),
    stream: new Set(),
  };
  for (const statement of statements.filter((s) => s.effect === "Allow")) {
    for (const action of statement.actions.filter((a) => a.startsWith("dynamodb:"))) {
      for (const resource of statement.resources) {
        const on = resource.includes("/stream/")
          ? "stream"
          : resource.endsWith("/index/*")
            ? "index"
            : "table";
        grants[on].add(action.slice("dynamodb:".length));
      }
    }
  }
  return {
    table: [...grants.table].sort(),
    index: [...grants.index].sort(),
    stream: [...grants.stream].sort(),
  };
};

/** IAM: the DynamoDB actions of each function, and who may post to connections. */
export const describeGrants = (ctx: StagePlanContext) => {
  const { config } = ctx;

  it("grants each function exactly the DynamoDB actions it uses, and none to those that never touch the table", () => {
    const table = ctx.q.one(Types.table);
    const granted = Object.fromEntries(ctx.q.functions.map((fn) => [fn.module, dynamoGrants(fn.statements)]));
    expect(granted).toEqual(
      Object.fromEntries(
        Object.entries(expectedDynamoGrants)
          // The token check on `$connect` exists only where tokens are required.
          .filter(([module]) => module !== socketAuthorizer || config.settings.auth.mode === "jwt")
          .map(([module, grants]) => [module, { table: [], index: [], stream: [], ...grants }]),
      ),
    );
    for (const fn of ctx.q.functions) {
      const resources = fn.statements
        .filter((statement) => statement.actions.some((action) => action.startsWith("dynamodb:")))
        .flatMap((statement) => statement.resources);
      for (const resource of resources) {
        // The table itself, its indexes, its stream: never a wildcard over everything under the table.
        expect(resource, fn.module).toMatch(/^arn:aws:dynamodb:[^*]+(\/index\/\*|\/stream\/[^*]+)?$/);
        expect(resource, fn.module).toContain(table.name);
      }
    }
  });

  it("grants execute-api:ManageConnections to exactly the handlers that post to connections", () => {
    const granted = (fn: PlannedFunction) =>
      allows(fn.statements, "execute-api:ManageConnections").length > 0;
    expect(
      ctx.q.functions
        .filter(granted)
        .map((fn) => fn.module)
        .sort(),
    ).toEqual([...postsToConnections].sort());
    const socketApi = ctx.q.api("WEBSOCKET");
    for (const fn of ctx.q.functions.filter(granted)) {
      for (const statement of allows(fn.statements, "execute-api:ManageConnections")) {
        expect(statement.resources).toEqual([
          expect.stringContaining(`:${socketApi.name}-id/*/*/@connections/*`),
        ]);
      }
    }
  });
};
