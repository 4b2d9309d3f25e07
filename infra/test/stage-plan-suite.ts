import { Resources } from "@chat/core/resources";
import { TableDefinition } from "@chat/core/table-definition";
import { maxDeliveryAttempts } from "@chat/functions/integrations/webhooks";
import {
  broadcaster,
  fanOutWorker,
  type HandlerModule,
  httpRoutes,
  integrations,
  postsToConnections,
  publicHttpRoutes,
  socketAuthorizer,
  socketRoutes,
  tableAccess,
  webhookDeliverer,
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
  module === broadcaster.handler || module === integrations.handler || module === fanOutWorker
    ? "broadcaster"
    : module.startsWith("ws/")
      ? "socket"
      : "http";

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

    it("creates the one table from the table definition: keys, gsi1, TTL and a stream of the definition's view", () => {
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

    /** The event source mapping feeding a handler module. */
    const mappingOf = (module: HandlerModule) => {
      const found = q
        .ofType(Types.eventSourceMapping)
        .filter((mapping) => q.functionByArn(mapping.inputs.functionName).module === module);
      if (found.length !== 1)
        throw new Error(`expected one event source mapping for ${module}, found ${found.length}`);
      return found[0] as (typeof found)[number];
    };

    /** The SQS queue of an SST `Queue` component. */
    const queueNamed = (component: string) => {
      const found = q
        .ofType(Types.queue)
        .filter((queue) => queue.name === `${component}Queue` || queue.name === component);
      if (found.length !== 1) {
        throw new Error(
          `expected one queue ${component}, found ${q.ofType(Types.queue).map((queue) => queue.name)}`,
        );
      }
      return found[0] as (typeof found)[number];
    };

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
        integrations.handler,
        webhookDeliverer,
        fanOutWorker,
        // The handshake's token check exists only where tokens are required.
        ...(config.settings.auth.mode === "jwt" ? [socketAuthorizer] : []),
      ]);
      expect(q.functions.map((fn) => fn.module).sort()).toEqual([...modules].sort());
      for (const fn of q.functions) {
        expect(fn.build.runtime, fn.module).toBe("nodejs22.x");
        expect(fn.build.properties, fn.module).toMatchObject({
          format: "esm",
          minify: true,
          // Readable stack traces: the maps ship in the bundle and Node reads them (NODE_OPTIONS, below).
          sourcemap: true,
          architecture: "arm64",
          // SST keeps names by default; dropping them saves cold init (see bench: cold init).
          esbuild: { keepNames: false },
          // The plugins the bundle tests build with (sst-bundle.ts), by a path from sst.config.ts.
          plugins: "./infra/esbuild-plugins.mjs",
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
        // The webhook queue (its URL) reaches the consumer that fills it and the deliverer that reschedules.
        const usesQueue = fn.module === integrations.handler || fn.module === webhookDeliverer;
        expect(Object.keys(fn.build.links).sort(), fn.module).toEqual([
          // The broadcaster hands big rooms' shards to the fan-out worker.
          ...(fn.module === broadcaster.handler ? [Resources.FanOutWorker] : []),
          ...(posts ? [Resources.Realtime] : []),
          Resources.Settings,
          ...(usesTable ? [Resources.Table] : []),
          ...(usesQueue ? [Resources.WebhookQueue] : []),
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
          jwtConfiguration: { issuer: auth.issuer, audiences: auth.audiences },
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

    it("hands handlers no environment but source maps on: names and endpoints come only through links", () => {
      for (const fn of q.functions) {
        const variables = (fn.lambda.inputs.environment as { variables: Record<string, string> }).variables;
        expect(variables.NODE_OPTIONS, fn.module).toBe("--enable-source-maps");
        expect(Object.keys(variables).sort(), fn.module).toEqual([
          "NODE_OPTIONS",
          "SST_KEY",
          "SST_KEY_FILE",
          "SST_RESOURCE_App",
        ]);
      }
    });

    it("feeds the broadcaster only message INSERTs and MODIFYs, in bisected batches with bounded retries", () => {
      const mapping = mappingOf(broadcaster.handler);
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
      const mapping = mappingOf(broadcaster.handler);
      const queue = queueNamed("BroadcastFailureQueue");
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

    it("reads the stream a second time for integrations: the rows that make webhook events, its own failure queue", () => {
      const mapping = mappingOf(integrations.handler);
      expect(mapping.inputs.eventSourceArn).toMatch(/:table\/.+\/stream\//);
      const { filters } = mapping.inputs.filterCriteria as { filters: { pattern: string }[] };
      expect(filters.map((filter) => JSON.parse(filter.pattern))).toEqual(integrations.filters);
      expect(mapping.inputs).toMatchObject({
        bisectBatchOnFunctionError: true,
        functionResponseTypes: ["ReportBatchItemFailures"],
        maximumRetryAttempts: config.stream.maximumRetryAttempts,
      });
      const failures = queueNamed("IntegrationsFailureQueue");
      const destination = (mapping.inputs.destinationConfig as { onFailure: { destinationArn: string } })
        .onFailure;
      expect(destination.destinationArn).toMatch(new RegExp(`:${failures.name}$`));
      // It may send to exactly two queues: the webhook queue, and its own failure queue (Lambda writes there).
      const consumer = q.functionByArn(mapping.inputs.functionName);
      const sendsTo = allows(consumer.statements, "sqs:SendMessage").flatMap(
        (statement) => statement.resources,
      );
      expect(sendsTo).toHaveLength(2);
      expect(sendsTo).toContain(destination.destinationArn);
      expect(sendsTo.some((arn) => arn.endsWith(`:${queueNamed("WebhookQueue").name}`))).toBe(true);
      expect(
        consumer.statements.flatMap((statement) => statement.actions).filter((a) => a.startsWith("sqs:")),
      ).toEqual(["sqs:SendMessage", "sqs:SendMessage"]);
    });

    it("delivers webhooks from a queue that moves a delivery to its failure queue after the last retry", () => {
      const queue = queueNamed("WebhookQueue");
      const failures = queueNamed("WebhookFailureQueue");
      const redrive = JSON.parse(String(queue.inputs.redrivePolicy)) as {
        deadLetterTargetArn: string;
        maxReceiveCount: number;
      };
      expect(redrive.maxReceiveCount).toBe(maxDeliveryAttempts);
      expect(redrive.deadLetterTargetArn).toMatch(new RegExp(`:${failures.name}$`));
      // Kept past the 24 h of retries; failures kept 14 days.
      expect(Number(queue.inputs.messageRetentionSeconds)).toBeGreaterThan(24 * 60 * 60);
      expect(failures.inputs.messageRetentionSeconds).toBe(14 * 24 * 60 * 60);
      const mapping = mappingOf(webhookDeliverer);
      expect(mapping.inputs.eventSourceArn).toMatch(new RegExp(`:${queue.name}$`));
      expect(mapping.inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
      // The deliverer receives, deletes and reschedules on its queue only, and sends nowhere.
      const deliverer = q.functionByArn(mapping.inputs.functionName);
      expect(allows(deliverer.statements, "sqs:ChangeMessageVisibility").flatMap((s) => s.resources)).toEqual(
        [expect.stringMatching(`:${queue.name}$`)],
      );
      expect(allows(deliverer.statements, "sqs:SendMessage")).toEqual([]);
      expect(deliverer.statements.flatMap((statement) => statement.actions)).not.toContain("sqs:*");
    });

    it("hands big rooms to a fan-out worker: only the broadcaster and the worker itself may invoke it", () => {
      const worker = q.functions.find((fn) => fn.module === fanOutWorker);
      // The mocks' ARN of a Lambda function ends with its resource name.
      const workerArn = `arn:aws:lambda:us-east-1:123456789012:${worker?.lambda.name}`;
      const invokers = q.functions.filter((fn) => allows(fn.statements, "lambda:InvokeFunction").length > 0);
      expect(invokers.map((fn) => fn.module)).toEqual([broadcaster.handler]);
      expect(allows(invokers[0]?.statements ?? [], "lambda:InvokeFunction")).toEqual([
        { effect: "Allow", actions: ["lambda:InvokeFunction"], resources: [workerArn] },
      ]);
      // Its own hand-offs: a policy on its own role naming only its own ARN.
      const selfInvoke = q.one("aws:iam/rolePolicy:RolePolicy", "FanOutWorkerInvokesItself");
      expect(selfInvoke.inputs.role).toBe(worker?.role.inputs.name);
      expect(JSON.parse(String(selfInvoke.inputs.policy))).toEqual({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [workerArn] }],
      });
    });

    it("retries a fan-out invocation twice at most and sends the ones still failing to the failure queue", () => {
      const worker = q.functions.find((fn) => fn.module === fanOutWorker);
      const invokeConfig = q.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
      const queue = queueNamed("BroadcastFailureQueue");
      expect(invokeConfig.inputs).toMatchObject({
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: config.stream.maximumRecordAgeSeconds,
      });
      const destination = (invokeConfig.inputs.destinationConfig as { onFailure: { destination: string } })
        .onFailure;
      expect(destination.destination).toMatch(new RegExp(`^arn:aws:sqs:.*:${queue.name}$`));
      expect(allows(worker?.statements ?? [], "sqs:SendMessage").flatMap((s) => s.resources)).toEqual([
        destination.destination,
      ]);
      expect(worker?.lambda.inputs.timeout).toBe(60);
    });

    it("throttles each route of both APIs by its own size, and writes their access logs", () => {
      const throttles = { HTTP: config.httpThrottle, WEBSOCKET: config.socketThrottle };
      const settings = ({ rateLimit, burstLimit }: { rateLimit: number; burstLimit: number }) => ({
        throttlingRateLimit: rateLimit,
        throttlingBurstLimit: burstLimit,
      });
      for (const protocol of ["HTTP", "WEBSOCKET"] as const) {
        const apiId = `${q.api(protocol).name}-id`;
        const [stageResource, ...others] = q.ofType(Types.stage).filter((s) => s.inputs.apiId === apiId);
        expect(others).toHaveLength(0);
        // Applied to each route on its own: the size of one route, not a stage total.
        expect(stageResource?.inputs.defaultRouteSettings).toEqual(settings(throttles[protocol].perRoute));
        const routeSettings = (stageResource?.inputs.routeSettings ?? []) as ({
          routeKey: string;
        } & object)[];
        expect(routeSettings).toEqual(
          Object.entries(("routes" in throttles[protocol] && throttles[protocol].routes) || {}).map(
            ([routeKey, throttle]) => ({
              routeKey,
              ...settings(throttle as { rateLimit: number; burstLimit: number }),
            }),
          ),
        );
        // Only routes the API has (API Gateway refuses the others).
        const served = Object.keys(protocol === "HTTP" ? httpRoutes : socketRoutes);
        for (const { routeKey } of routeSettings) expect(served, protocol).toContain(routeKey);
        const logSettings = stageResource?.inputs.accessLogSettings as
          | { destinationArn?: string }
          | undefined;
        expect(logSettings?.destinationArn, protocol).toMatch(/^arn:aws:/);
      }
      // The API's hot paths get more than the rest, and every frame of the stage shares $default's explicit budget.
      const http = config.httpThrottle;
      const sends = http.routes?.["POST /rooms/{roomId}/messages"];
      expect(sends?.rateLimit).toBeGreaterThan(http.perRoute.rateLimit);
      expect(http.routes?.["GET /health"]?.rateLimit ?? http.perRoute.rateLimit).toBeLessThan(
        sends?.rateLimit ?? 0,
      );
      // Every frame of the stage shares $default's budget: at least a few hundred users at their frame limit.
      expect(config.socketThrottle.perRoute.rateLimit).toBeGreaterThanOrEqual(
        config.production ? (300 * config.settings.limits.framesPerMinute) / 60 : 1,
      );
      const accessLogs = q.ofType(Types.logGroup).filter((group) => group.name.endsWith("AccessLog"));
      expect(accessLogs.map((group) => group.inputs.retentionInDays)).toEqual([
        RETENTION[config.logRetention],
        RETENTION[config.logRetention],
      ]);
    });

    it("creates the HTTP API's stage only after its routes (its route settings name them)", () => {
      for (const protocol of ["HTTP"] as const) {
        const apiId = `${q.api(protocol).name}-id`;
        const order = plan.resources
          .filter((r) => (r.type === Types.stage || r.type === Types.route) && r.inputs.apiId === apiId)
          .map((r) => r.type);
        expect(order.at(-1), protocol).toBe(Types.stage);
      }
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

    type MetricQuery = {
      id: string;
      expression?: string;
      returnData?: boolean;
      metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; stat: string };
    };
    const alarmNamed = (name: string) => q.one(Types.alarm, name);
    const queriesOf = (name: string) => alarmNamed(name).inputs.metricQueries as MetricQuery[];

    it("alarms on broadcast failure %, reading its inputs with returnData false", () => {
      const failureRate = alarmNamed("BroadcastFailureAlarm");
      const inputs = queriesOf("BroadcastFailureAlarm");
      expect(inputs.map((query) => query.metric?.metricName).filter(Boolean)).toEqual([
        "BroadcastFailures",
        "BroadcastAttempts",
      ]);
      for (const query of inputs.filter((query) => query.metric)) {
        expect(query.metric).toMatchObject({
          namespace: "Chat",
          dimensions: { Stage: stage, service: "chat" },
        });
        expect(query.returnData, query.id).toBe(false);
      }
      expect(inputs.filter((query) => query.returnData === true)).toHaveLength(1);
      expect(inputs.find((query) => query.expression)?.expression).toContain("100 * failures / attempts");
      expect(failureRate.inputs.threshold).toBe(config.alarms.broadcastFailurePercent);
    });

    it("alarms when the broadcaster falls behind or stops while messages are posted; no data at all is breaching", () => {
      const alarm = alarmNamed("BroadcasterIteratorAgeAlarm");
      const inputs = queriesOf("BroadcasterIteratorAgeAlarm");
      const broadcasterFunction = q.functions.find((fn) => fn.module === broadcaster.handler);
      const age = inputs.find((query) => query.metric?.metricName === "IteratorAge");
      expect(age?.metric).toMatchObject({
        namespace: "AWS/Lambda",
        stat: "Maximum",
        dimensions: { FunctionName: broadcasterFunction?.lambda.inputs.name },
      });
      const posted = inputs.find((query) => query.metric?.metricName === "MessagesPosted");
      expect(posted?.metric).toMatchObject({
        namespace: "Chat",
        dimensions: { Stage: stage, service: "chat" },
      });
      expect([age?.returnData, posted?.returnData]).toEqual([false, false]);
      // Messages posted and no IteratorAge: over the threshold; neither: 0.
      expect(inputs.find((query) => query.returnData)?.expression).toBe(
        `IF(FILL(posted, 0) > 0, FILL(age, ${config.alarms.iteratorAgeMs + 1}), FILL(age, 0))`,
      );
      expect(alarm.inputs).toMatchObject({
        threshold: config.alarms.iteratorAgeMs,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "breaching",
      });
    });

    it("alarms on HTTP 5xx, WebSocket integration and execution errors, and the failure queue", () => {
      expect(alarmNamed("Http5xxAlarm").inputs).toMatchObject({
        namespace: "AWS/ApiGateway",
        metricName: "5xx",
        dimensions: { ApiId: `${q.api("HTTP").name}-id` },
        threshold: config.alarms.http5xxCount,
      });
      for (const metricName of ["IntegrationError", "ExecutionError"]) {
        expect(alarmNamed(`Socket${metricName}Alarm`).inputs).toMatchObject({
          namespace: "AWS/ApiGateway",
          metricName,
          dimensions: { ApiId: `${q.api("WEBSOCKET").name}-id` },
          statistic: "Sum",
          threshold: config.alarms.socketErrorCount,
        });
      }
      expect(alarmNamed("BroadcastFailureQueueAlarm").inputs.dimensions).toEqual({
        QueueName: queueNamed("BroadcastFailureQueue").inputs.name,
      });
    });

    it("alarms on the errors and the throttles of every function, each by its own name", () => {
      const alarms = q.ofType(Types.alarm);
      for (const [metricName, threshold] of [
        ["Errors", config.alarms.functionErrorCount],
        ["Throttles", config.alarms.functionThrottleCount],
      ] as const) {
        const watched = alarms
          .filter(
            (alarm) => alarm.inputs.namespace === "AWS/Lambda" && alarm.inputs.metricName === metricName,
          )
          .map((alarm) => {
            expect(alarm.inputs, alarm.name).toMatchObject({
              statistic: "Sum",
              threshold,
              treatMissingData: "notBreaching",
            });
            return (alarm.inputs.dimensions as { FunctionName: string }).FunctionName;
          });
        // Every Lambda function of the plan, not only the route table's: the list is derived, never written down.
        expect(watched.sort()).toEqual(
          q
            .ofType(Types.function)
            .map((fn) => fn.inputs.name)
            .sort(),
        );
      }
    });

    it(
      config.alarmRoute
        ? "tells the stage's alarm route of every alarm, going off and over"
        : "routes alarms nowhere on a stage that names no route",
      () => {
        const alarms = q.ofType(Types.alarm);
        expect(alarms.length).toBeGreaterThan(0);
        const route = config.alarmRoute;
        if (!route) {
          for (const alarm of alarms) expect(alarm.inputs.alarmActions, alarm.name).toBeUndefined();
          expect(q.ofType(Types.topic)).toEqual([]);
          return;
        }
        const topicArn =
          "email" in route
            ? (() => {
                const topic = q.one(Types.topic);
                const subscription = q.one(Types.topicSubscription);
                expect(subscription.inputs).toMatchObject({ protocol: "email", endpoint: route.email });
                const arn = `arn:aws:sns:us-east-1:123456789012:${topic.inputs.name ?? topic.name}`;
                expect(subscription.inputs.topic).toBe(arn);
                return arn;
              })()
            : route.topicArn;
        for (const alarm of alarms) {
          expect(alarm.inputs.alarmActions, alarm.name).toEqual([topicArn]);
          expect(alarm.inputs.okActions, alarm.name).toEqual([topicArn]);
        }
      },
    );

    it("outputs the HTTP API URL as `api` and the WebSocket URL as `ws`", () => {
      expect(plan.outputs.api).toMatch(/^https:\/\//);
      expect(plan.outputs.ws).toMatch(/^wss:\/\//);
    });
  });
