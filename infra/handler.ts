import {
  broadcaster,
  fanOutWorker,
  type HandlerModule,
  postsToConnections,
  sstHandler,
  type TableAccess,
  tableAccess,
} from "@chat/functions/routes";
import { vapid } from "./push-keys";
import type { FunctionKind, StageConfig } from "./stage-config";

/** What a handler may be linked to: the table and the settings, and the WebSocket API if it posts to it. */
export interface HandlerLinks {
  table: sst.aws.Dynamo;
  settings: sst.Linkable<Record<string, unknown>>;
  realtime?: sst.aws.ApiGatewayWebSocket;
  /** The fan-out worker, which the broadcaster invokes (linking grants `lambda:InvokeFunction` on it, nothing else). */
  fanOut?: sst.aws.Function;
}

/** An IAM statement of a function's own (beyond its links). */
export interface Permission {
  actions: string[];
  resources: ($util.Output<string> | string)[];
}

const sendsMessages: readonly HandlerModule[] = ["http/send-message", "ws/default"];

const posts = (module: HandlerModule): boolean =>
  (postsToConnections as readonly HandlerModule[]).includes(module);

/**
 * The table as one handler is linked to it: the same `Resource.Table` (name and type, from the table's own link),
 * but with only the actions the route table's `tableAccess` lists, on the table and, for a Query of an index, on
 * `table/index/*` — instead of the `dynamodb:*` on the table, its indexes and its stream that linking the table
 * itself grants.
 */
const scopedTable = (table: sst.aws.Dynamo, access: TableAccess) => ({
  urn: table.urn,
  getSSTLink: () => ({
    properties: table.getSSTLink().properties,
    include: [
      sst.aws.permission({
        actions: access.table.map((action) => `dynamodb:${action}`),
        resources: [table.arn],
      }),
      ...(access.indexes.length > 0
        ? [
            sst.aws.permission({
              actions: access.indexes.map((action) => `dynamodb:${action}`),
              resources: [$interpolate`${table.arn}/index/*`],
            }),
          ]
        : []),
    ],
  }),
});

/**
 * The Lambda function of a handler module, built the same way for every route: Node.js 22 on arm64, a minified ESM
 * bundle (the AWS SDK inside it: no SDK version drift, faster cold starts), sized by its kind. Resources reach the
 * handler only through links: the table with just the access the route table declares (none: no link), and the
 * WebSocket API, which grants `execute-api:ManageConnections`, only for the handlers in `postsToConnections`.
 */
export const handlerFunction = (
  config: StageConfig,
  module: HandlerModule,
  kind: FunctionKind,
  links: HandlerLinks,
  extra: { permissions?: Permission[] } = {},
): sst.aws.FunctionArgs => {
  if (module === broadcaster.handler && !links.fanOut) {
    throw new Error(`${module} hands big rooms to ${fanOutWorker}: link it to the fan-out worker`);
  }
  if (posts(module) && !links.realtime) {
    throw new Error(`${module} posts to WebSocket connections: link it to the WebSocket API`);
  }
  const { memoryMb, timeoutSeconds } = config.functions[kind];
  // The moderation hook, when it is a Lambda function, is invoked by the handlers that send messages, only them.
  const moderationFunction = config.settings.integrations.moderation?.functionName;
  const invokesModeration = moderationFunction !== undefined && sendsMessages.includes(module);
  const permissions = [
    ...(extra.permissions ?? []),
    ...(invokesModeration ? [{ actions: ["lambda:InvokeFunction"], resources: [moderationFunction] }] : []),
  ];
  const access = tableAccess[module];
  return {
    handler: sstHandler(module),
    runtime: "nodejs22.x",
    architecture: "arm64",
    memory: `${memoryMb} MB`,
    timeout: `${timeoutSeconds} seconds`,
    logging: { retention: config.logRetention },
    // Names are not kept: SST keeps them by default, which costs each function ~5 ms of cold init (a `__name` call
    // per function and class); nothing here reads a function's name (errors carry theirs in `name`).
    // Splitting puts what a handler imports dynamically (ElectroDB, pino...) in chunks beside it, read on first use.
    // Source maps in the bundle, read by Node (`--enable-source-maps`): on-call reads a stack trace as file:line of
    // the TypeScript, not a column of a minified line. The price is cold init: Node reads the map at import (+~40 ms
    // of CPU for send-message before splitting, README Operations).
    // The plugins keep ElectroDB's CommonJS `require` of the document client from wrapping the whole DynamoDB client
    // package into every storage handler's init (esbuild-plugins.mjs; the path is from sst.config.ts).
    nodejs: {
      format: "esm",
      minify: true,
      splitting: true,
      sourcemap: true,
      esbuild: { keepNames: false },
      plugins: "./infra/esbuild-plugins.mjs",
    },
    environment: { NODE_OPTIONS: "--enable-source-maps" },
    link: [
      ...(access ? [scopedTable(links.table, access)] : []),
      links.settings,
      ...(posts(module) && links.realtime ? [links.realtime] : []),
      // The one route that serves a secret's value: the VAPID public key.
      ...(module === "http/vapid-public-key" && vapid ? [vapid.publicKey] : []),
      ...(module === broadcaster.handler && links.fanOut ? [links.fanOut] : []),
    ],
    ...extra,
    ...(permissions.length > 0 && { permissions }),
  };
};

/**
 * How a stream consumer reads the table's stream (the stage's `stream` settings): `filters` pick its records, the
 * handler reports the first record it could not handle (Lambda retries from there, bisecting a failing batch), and a
 * batch given up on goes to `failureDestination` (an SQS queue's ARN). The broadcaster and the integrations consumer
 * read it alike.
 */
export const streamSubscription = (
  config: StageConfig,
  filters: Record<string, unknown>[],
  failureDestination: $util.Input<string>,
) => ({
  filters,
  transform: {
    eventSourceMapping: {
      batchSize: config.stream.batchSize,
      maximumBatchingWindowInSeconds: config.stream.batchingWindowSeconds,
      bisectBatchOnFunctionError: true,
      functionResponseTypes: ["ReportBatchItemFailures"],
      maximumRetryAttempts: config.stream.maximumRetryAttempts,
      maximumRecordAgeInSeconds: config.stream.maximumRecordAgeSeconds,
      destinationConfig: { onFailure: { destinationArn: failureDestination } },
    },
  },
});
