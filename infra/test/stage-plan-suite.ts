import { Resources } from "@chat/core/resources";
import { TableDefinition } from "@chat/core/table-definition";
import {
  broadcaster,
  type HandlerModule,
  httpRoutes,
  postsToConnections,
  publicHttpRoutes,
  socketAuthorizer,
  socketRoutes,
  tableAccess,
} from "@chat/functions/routes";
import { beforeAll, describe, expect, it } from "vitest";
import { RETENTION } from "../../.sst/platform/src/components/aws/logging.ts";
import { type FunctionKind, stageConfig } from "../stage-config";
import { type DeployPlan, planDeploy } from "./deploy-plan";
import { type PlannedFunction, queries, type Statement, Types } from "./plan-queries";

/** The metrics the handlers emit (DESIGN.md, Observability): the dashboard must chart every one. */
const chatMetrics = [
  "MessagesPosted",
  "MessageLength",
  "ConnectionEvents",
  "BroadcastAttempts",
  "BroadcastSuccesses",
  "BroadcastFailures",
  "StaleConnectionsPruned",
  "BroadcastLatency",
];

const kindOf = (module: string): FunctionKind =>
  module === broadcaster.handler ? "broadcaster" : module.startsWith("ws/") ? "socket" : "http";

const allows = (statements: Statement[], action: string) =>
  statements.filter((statement) => statement.effect === "Allow" && statement.actions.includes(action));

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

/**
 * Runs the app's config for `stage` under Pulumi's mocks once, then checks what it would deploy against the route
 * table, the table definition and the stage's configuration.
 */
export const describeStagePlan = (
  stage: string,
  expected: { corsOrigins?: string[]; admins?: string[] } = {},
) =>
  describe(`deploying the "${stage}" stage`, () => {
    const config = stageConfig(stage);
    let plan: DeployPlan;
    let q: ReturnType<typeof queries>;

    beforeAll(async () => {
      plan = await planDeploy(stage);
      q = queries(plan);
    });

    it("creates the one table from the table definition: keys, gsi1, TTL and a NEW_IMAGE stream", () => {
      const table = q.one(Types.table);
      const { partitionKey, sortKey, globalIndexes, ttlAttribute, streamView } = TableDefinition;
      expect(table.inputs).toMatchObject({
        hashKey: partitionKey,
        rangeKey: sortKey,
        billingMode: "PAY_PER_REQUEST",
        ttl: { attributeName: ttlAttribute, enabled: true },
        streamEnabled: true,
        streamViewType: streamView,
      });
      expect(table.inputs.globalSecondaryIndexes).toEqual(
        Object.entries(globalIndexes).map(([name, index]) => ({
          name,
          hashKey: index.partitionKey,
          rangeKey: index.sortKey,
          ...(typeof index.projection === "string"
            ? { projectionType: index.projection }
            : { projectionType: "INCLUDE", nonKeyAttributes: [...index.projection] }),
        })),
      );
      const keyNames = [
        partitionKey,
        sortKey,
        ...Object.values(globalIndexes).flatMap((i) => [i.partitionKey, i.sortKey]),
      ];
      expect(table.inputs.attributes).toEqual(keyNames.map((name) => ({ name, type: "S" })));
    });

    it(
      config.production
        ? "keeps the table: deletion protection, retained on removal, and the stage protected"
        : "lets the stage go: no deletion protection, nothing retained, not protected",
      () => {
        const table = q.one(Types.table);
        expect(table.inputs.deletionProtectionEnabled).toBe(config.production);
        expect(table.retainOnDelete).toBe(config.production);
        expect(plan.app.removal).toBe(config.production ? "retain" : "remove");
        expect(plan.app.protect).toBe(config.production);
        expect(plan.outputs._protect).toBe(config.production);
        // Nothing but the table holds data worth keeping.
        expect(plan.resources.filter((r) => r.retainOnDelete).map((r) => r.type)).toEqual(
          config.production ? [Types.table] : [],
        );
      },
    );

    it("serves exactly the route table's HTTP routes, each with its own handler", () => {
      expect(q.routesOf(q.api("HTTP"))).toEqual(httpRoutes);
    });

    it("serves exactly the route table's WebSocket routes, each with its own handler", () => {
      expect(q.routesOf(q.api("WEBSOCKET"))).toEqual(socketRoutes);
    });

    it("builds one function per handler module, on Node.js 22 arm64 from a minified ESM bundle", () => {
      const modules = new Set([
        ...Object.values(httpRoutes),
        ...Object.values(socketRoutes),
        broadcaster.handler,
        // The handshake's token check exists only where tokens are required.
        ...(config.settings.auth.mode === "jwt" ? [socketAuthorizer] : []),
      ]);
      expect(q.functions.map((fn) => fn.module).sort()).toEqual([...modules].sort());
      for (const fn of q.functions) {
        expect(fn.build.runtime, fn.module).toBe("nodejs22.x");
        expect(fn.build.properties, fn.module).toMatchObject({
          format: "esm",
          minify: true,
          architecture: "arm64",
          // SST keeps names by default; dropping them saves cold init (see bench: cold init).
          esbuild: { keepNames: false },
        });
        expect(fn.lambda.inputs, fn.module).toMatchObject({
          runtime: "nodejs22.x",
          architectures: ["arm64"],
        });
      }
    });

    it("sizes each function by its kind and keeps its logs for the stage's retention", () => {
      for (const fn of q.functions) {
        const size = config.functions[kindOf(fn.module)];
        expect(fn.lambda.inputs.memorySize, fn.module).toBe(size.memoryMb);
        expect(fn.lambda.inputs.timeout, fn.module).toBe(size.timeoutSeconds);
        expect(fn.logGroup.inputs.retentionInDays, fn.module).toBe(RETENTION[config.logRetention]);
      }
    });

    it("links the settings to every handler, the table to those that use it, the WebSocket API to those that post", () => {
      for (const fn of q.functions) {
        const posts = (postsToConnections as readonly string[]).includes(fn.module);
        const usesTable = tableAccess[fn.module] !== null;
        expect(Object.keys(fn.build.links).sort(), fn.module).toEqual([
          ...(posts ? [Resources.Realtime] : []),
          Resources.Settings,
          ...(usesTable ? [Resources.Table] : []),
        ]);
        expect(fn.build.links[Resources.Settings], fn.module).toMatchObject(config.settings);
        // The stage admins of CHAT_ADMINS reach every handler (none unless named).
        expect(fn.build.links[Resources.Settings], fn.module).toMatchObject({
          admins: expected.admins ?? [],
        });
        // The table's own name and type (the mocks' URNs prefix the type with the stack's).
        if (usesTable) {
          expect(fn.build.links[Resources.Table], fn.module).toEqual({
            name: expect.any(String),
            type: expect.stringMatching(/(^|\$)sst\.aws\.Dynamo$/),
          });
        }
      }
    });

    it("grants each function exactly the DynamoDB actions it uses, and none to those that never touch the table", () => {
      const table = q.one(Types.table);
      const granted = Object.fromEntries(q.functions.map((fn) => [fn.module, dynamoGrants(fn.statements)]));
      expect(granted).toEqual(
        Object.fromEntries(
          Object.entries(expectedDynamoGrants)
            // The token check on `$connect` exists only where tokens are required.
            .filter(([module]) => module !== socketAuthorizer || config.settings.auth.mode === "jwt")
            .map(([module, grants]) => [module, { table: [], index: [], stream: [], ...grants }]),
        ),
      );
      for (const fn of q.functions) {
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

    it(
      config.settings.auth.mode === "jwt"
        ? "checks tokens: a JWT authorizer on every HTTP route but the public ones, a Lambda one on $connect"
        : "requires no token on any route",
      () => {
        const { auth } = config.settings;
        const authorizers = q.ofType(Types.authorizer);
        const routes = q.ofType(Types.route);
        const guarded = (apiResource: (typeof authorizers)[number]) =>
          routes
            .filter((route) => route.inputs.apiId === `${apiResource.name}-id` && route.inputs.authorizerId)
            .map((route) => String(route.inputs.routeKey))
            .sort();
        if (auth.mode === "none") {
          expect(authorizers).toEqual([]);
          expect(routes.filter((route) => route.inputs.authorizerId)).toEqual([]);
          return;
        }
        const jwt = authorizers.find((a) => a.inputs.authorizerType === "JWT");
        const lambda = authorizers.find((a) => a.inputs.authorizerType === "REQUEST");
        expect(jwt?.inputs).toMatchObject({
          jwtConfiguration: { issuer: auth.issuer, audiences: [auth.audience] },
          identitySources: ["$request.header.Authorization"],
        });
        expect(lambda?.inputs.identitySources).toEqual(["route.request.querystring.token"]);
        expect(q.functionByArn(lambda?.inputs.authorizerUri).module).toBe(socketAuthorizer);
        expect(guarded(q.api("HTTP"))).toEqual(
          Object.keys(httpRoutes)
            .filter((route) => !(publicHttpRoutes as readonly string[]).includes(route))
            .sort(),
        );
        expect(guarded(q.api("WEBSOCKET"))).toEqual(["$connect"]);
      },
    );

    it("grants execute-api:ManageConnections to exactly the handlers that post to connections", () => {
      const granted = (fn: PlannedFunction) =>
        allows(fn.statements, "execute-api:ManageConnections").length > 0;
      expect(
        q.functions
          .filter(granted)
          .map((fn) => fn.module)
          .sort(),
      ).toEqual([...postsToConnections].sort());
      const socketApi = q.api("WEBSOCKET");
      for (const fn of q.functions.filter(granted)) {
        for (const statement of allows(fn.statements, "execute-api:ManageConnections")) {
          expect(statement.resources).toEqual([
            expect.stringContaining(`:${socketApi.name}-id/*/*/@connections/*`),
          ]);
        }
      }
    });

    it("hands handlers no environment of their own: names and endpoints come only through links", () => {
      for (const fn of q.functions) {
        const variables = (fn.lambda.inputs.environment as { variables: Record<string, string> }).variables;
        expect(Object.keys(variables).sort(), fn.module).toEqual([
          "SST_KEY",
          "SST_KEY_FILE",
          "SST_RESOURCE_App",
        ]);
      }
    });

    it("feeds the broadcaster only message INSERTs, in bisected batches with bounded retries", () => {
      const mapping = q.one(Types.eventSourceMapping);
      expect(q.functionByArn(mapping.inputs.functionName).module).toBe(broadcaster.handler);
      expect(mapping.inputs.eventSourceArn).toMatch(/:table\/.+\/stream\//);
      const { filters } = mapping.inputs.filterCriteria as { filters: { pattern: string }[] };
      expect(filters.map((filter) => JSON.parse(filter.pattern))).toEqual([broadcaster.filter]);
      expect(mapping.inputs).toMatchObject({
        startingPosition: "LATEST",
        batchSize: config.stream.batchSize,
        maximumBatchingWindowInSeconds: config.stream.batchingWindowSeconds,
        bisectBatchOnFunctionError: true,
        functionResponseTypes: ["ReportBatchItemFailures"],
        maximumRetryAttempts: config.stream.maximumRetryAttempts,
        maximumRecordAgeInSeconds: config.stream.maximumRecordAgeSeconds,
      });
      // -1 means "retry until the record expires" (up to a day): a poisoned shard would stall every room on it.
      expect(mapping.inputs.maximumRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(mapping.inputs.maximumRetryAttempts).toBeLessThanOrEqual(10);
      expect(mapping.inputs.maximumRecordAgeInSeconds).toBeGreaterThanOrEqual(60);
      expect(mapping.inputs.maximumRecordAgeInSeconds).toBeLessThanOrEqual(3600);
    });

    it("sends records the broadcaster gives up on to a queue it may write to, kept for 14 days", () => {
      const mapping = q.one(Types.eventSourceMapping);
      const queue = q.one(Types.queue);
      const queueArn = `:${queue.name}`;
      const destination = (mapping.inputs.destinationConfig as { onFailure: { destinationArn: string } })
        .onFailure;
      expect(destination.destinationArn).toMatch(new RegExp(`^arn:aws:sqs:.*${queueArn}$`));
      expect(queue.inputs.messageRetentionSeconds).toBe(14 * 24 * 60 * 60);
      const fn = q.functionByArn(mapping.inputs.functionName);
      expect(allows(fn.statements, "sqs:SendMessage").flatMap((s) => s.resources)).toEqual([
        destination.destinationArn,
      ]);
    });

    it("throttles both API stages and writes their access logs", () => {
      const throttles = { HTTP: config.httpThrottle, WEBSOCKET: config.socketThrottle };
      for (const protocol of ["HTTP", "WEBSOCKET"] as const) {
        const apiId = `${q.api(protocol).name}-id`;
        const [stageResource, ...others] = q.ofType(Types.stage).filter((s) => s.inputs.apiId === apiId);
        expect(others).toHaveLength(0);
        expect(stageResource?.inputs.defaultRouteSettings).toEqual({
          throttlingRateLimit: throttles[protocol].rateLimit,
          throttlingBurstLimit: throttles[protocol].burstLimit,
        });
        const logSettings = stageResource?.inputs.accessLogSettings as
          | { destinationArn?: string }
          | undefined;
        expect(logSettings?.destinationArn, protocol).toMatch(/^arn:aws:/);
      }
      const accessLogs = q.ofType(Types.logGroup).filter((group) => group.name.endsWith("AccessLog"));
      expect(accessLogs.map((group) => group.inputs.retentionInDays)).toEqual([
        RETENTION[config.logRetention],
        RETENTION[config.logRetention],
      ]);
    });

    it("allows the stage's CORS origins and exactly the route table's methods", () => {
      const cors = q.api("HTTP").inputs.corsConfiguration as {
        allowOrigins: string[];
        allowMethods: string[];
      };
      expect(cors.allowOrigins).toEqual(expected.corsOrigins ?? config.corsAllowOrigins);
      if (config.production) expect(cors.allowOrigins).not.toContain("*");
      const methods = new Set(
        Object.keys(httpRoutes)
          .filter((route) => route !== "$default")
          .map((route) => route.split(" ")[0]),
      );
      expect([...cors.allowMethods].sort()).toEqual([...methods].sort());
    });

    it("charts every chat metric of the stage on one dashboard", () => {
      const body = JSON.parse(String(q.one(Types.dashboard).inputs.dashboardBody)) as {
        widgets: { properties: { metrics?: unknown[][] } }[];
      };
      const chat = body.widgets
        .flatMap((widget) => widget.properties.metrics ?? [])
        .filter((metric) => metric[0] === "Chat");
      expect(new Set(chat.map((metric) => metric[1]))).toEqual(new Set(chatMetrics));
      for (const metric of chat) {
        const dimensions = metric.slice(2).filter((part) => typeof part === "string");
        expect(dimensions, String(metric[1])).toEqual(
          expect.arrayContaining(["Stage", stage, "service", "chat"]),
        );
      }
      const connectionEvents = chat.filter((metric) => metric[1] === "ConnectionEvents");
      expect(connectionEvents.map((metric) => metric.slice(-1)[0]).sort()).toEqual(["connect", "disconnect"]);
    });

    it("alarms on broadcast failure %, the broadcaster's iterator age, HTTP 5xx and the failure queue", () => {
      const alarms = q.ofType(Types.alarm);
      const byMetric = (metricName: string) => alarms.find((alarm) => alarm.inputs.metricName === metricName);

      const failureRate = alarms.find((alarm) => Array.isArray(alarm.inputs.metricQueries));
      const queries = failureRate?.inputs.metricQueries as {
        id: string;
        expression?: string;
        metric?: { namespace: string; metricName: string; dimensions: Record<string, string> };
      }[];
      expect(queries.map((query) => query.metric?.metricName).filter(Boolean)).toEqual([
        "BroadcastFailures",
        "BroadcastAttempts",
      ]);
      for (const query of queries.filter((query) => query.metric)) {
        expect(query.metric).toMatchObject({
          namespace: "Chat",
          dimensions: { Stage: stage, service: "chat" },
        });
      }
      expect(queries.find((query) => query.expression)?.expression).toContain("100 * failures / attempts");
      expect(failureRate?.inputs.threshold).toBe(config.alarms.broadcastFailurePercent);

      const iteratorAge = byMetric("IteratorAge");
      const broadcasterFunction = q.functions.find((fn) => fn.module === broadcaster.handler);
      expect(iteratorAge?.inputs.dimensions).toEqual({
        FunctionName: broadcasterFunction?.lambda.inputs.name,
      });
      expect(iteratorAge?.inputs.threshold).toBe(config.alarms.iteratorAgeMs);

      const http5xx = byMetric("5xx");
      expect(http5xx?.inputs).toMatchObject({
        namespace: "AWS/ApiGateway",
        dimensions: { ApiId: `${q.api("HTTP").name}-id` },
        threshold: config.alarms.http5xxCount,
      });

      expect(byMetric("ApproximateNumberOfMessagesVisible")?.inputs.dimensions).toEqual({
        QueueName: q.one(Types.queue).inputs.name,
      });
      expect(alarms).toHaveLength(4);
    });

    it("outputs the HTTP API URL as `api` and the WebSocket URL as `ws`", () => {
      expect(plan.outputs.api).toMatch(/^https:\/\//);
      expect(plan.outputs.ws).toMatch(/^wss:\/\//);
    });
  });
