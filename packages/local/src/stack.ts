import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { resourceEnvironment } from "@chat/core/resources";
import { ensureTable } from "@chat/core/table";
import { startDynamoDbLocal } from "@chat/dynamodb-local";
import { sdkEnvironment } from "@chat/dynamodb-local/environment";
import type { IntegrationSettings } from "@chat/functions/integrations/settings";
import type { FailureQueue } from "@chat/functions/replay/replay";
import { defaultSettings, type Settings } from "@chat/functions/settings";
import type { TokenIssuer } from "@chat/functions/token";
import { createDevIssuer, type DevIssuer } from "./dev-issuer";
import { memoryQueue } from "./failure-queue";
import { createJwtAuthorizer } from "./gateway-auth";
import { answerClientErrors, answerWhileStarting } from "./gateway-response";
import { httpApi } from "./http-api";
import { secretEnvironment, startIntegrationsPoller, startWebhookQueue, vapidKeys } from "./integrations";
import { loadFunctions, type WorkerFunction } from "./lambda";
import { type LambdaInvoke, startLambdaInvoke } from "./lambda-invoke";
import { type ManagementLimits, postGate } from "./management-limits";
import { startStreamPoller } from "./stream-poller";
import { attachWebSocketApi } from "./websocket-api";

/** The fan-out worker's function name, as its link tells the broadcaster. */
const FAN_OUT_WORKER_NAME = "chat-local-fan-out-worker";

export interface LocalStackOptions {
  /** HTTP API port; 0 picks a free one. */
  httpPort?: number;
  /** WebSocket API (and management API) port; 0 picks a free one. */
  wsPort?: number;
  /** Keep DynamoDB's data in this directory across restarts; in memory when absent. */
  dataDir?: string | undefined;
  /** Use this running DynamoDB instead of starting DynamoDB Local. */
  dynamoEndpoint?: string | undefined;
  tableName?: string;
  stage?: string;
  /** `jwt`: protected routes need a token from the development issuer (mint one with `pnpm mint-token <userId>`). */
  auth?: "none" | "jwt";
  /**
   * With `auth: "jwt"`, check tokens of this identity provider instead of the development issuer's (a test issuer
   * on loopback, or a real provider's https issuer): the same issuer and audiences a deployed stage is given.
   */
  identityProvider?: TokenIssuer;
  /** CORS allow-list of the HTTP API; `*` (the default) allows any origin. */
  corsOrigins?: readonly string[];
  /** Stage admins: user ids that act as owner in every room (`CHAT_ADMINS=a,b` for `pnpm dev`). */
  admins?: readonly string[];
  /** Rate and connection limits; the stage defaults otherwise. */
  limits?: Partial<Settings["limits"]>;
  /** Retries of a batch the broadcaster fails before it goes to the failure queue (10 by default; AWS: 5). */
  streamRetries?: number;
  /** Webhooks, the moderation hook and Web Push (`integrationsFromEnvironment` reads them for `pnpm dev`). */
  integrations?: IntegrationSettings;
  /** SST secrets by name (the webhook endpoints' `whsec_...` keys). */
  secrets?: Record<string, string>;
  /** Scales the webhook queue's delays (retry backoff, visibility timeout): 1 is real time, tests go faster. */
  queueDelayScale?: number;
  /**
   * The management API's account throttle (token bucket) and latency per post; unlimited and immediate by default
   * (`CHAT_MANAGEMENT_RATE`, `CHAT_MANAGEMENT_BURST`, `CHAT_MANAGEMENT_LATENCY_MS` for `pnpm dev`).
   */
  management?: ManagementLimits;
  /**
   * Post to this management API instead of the stack's own (the big-room bench and tests: connection rows without
   * sockets, see `management-sink.ts`).
   */
  managementEndpoint?: string;
  /** Fan-out worker invocations running at once (Lambda's concurrency for it); 4 by default. */
  fanOutConcurrency?: number;
}

export interface LocalStack {
  httpUrl: string;
  wsUrl: string;
  dynamoEndpoint: string;
  /** The development token issuer (always running; only required when `auth` is `jwt`). */
  issuer: DevIssuer;
  settings: Settings;
  /**
   * The broadcaster's failure queue: what the stream poller gave up on, as Lambda's on-failure destination would
   * send it to SQS; `replayFailures` reads it.
   */
  failureQueue: FailureQueue;
  /** Failure injection, for tests: make the management API answer posts with errors for a while. */
  failPosts(status: number, count: number): void;
  /**
   * For the replay test: the next `count` invocations of the broadcaster fail (as a crashed or timed-out Lambda
   * does), so the poller retries the batch and then gives it up to the failure queue.
   */
  failBroadcasts(count: number): void;
  /** For the bench's fan-out baseline: a frame sent straight down every open socket; returns how many. */
  sendToAll(data: string): number;
  /** The webhook deliveries that exhausted their retries (the failure queue's messages, JSON). */
  webhookFailures(): string[];
  /** The fan-out workers' invocations: how many so far, and a wait until none is queued or running. */
  fanOut: { invocations(): number; idle(): Promise<void>; failed: LambdaInvoke["failed"] };
  stop(): Promise<void>;
}

/**
 * Starts the whole stack in this process: DynamoDB Local, the table, the HTTP and WebSocket API emulations and the
 * stream poller, running the handlers of the route table. The environment it sets is process-wide (as a Lambda's
 * is), so one stack runs per process.
 */
export const startLocalStack = async (options: LocalStackOptions = {}): Promise<LocalStack> => {
  const { tableName = "chat-local", stage = "local" } = options;
  // Node 20 is fine on a laptop (Lambda runs 22, see .nvmrc); without this every AWS SDK client says so.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => console.error(error));
    }
  };
  try {
    // The ports are bound first (the handlers' environment names the management endpoint) and answer 503 until the
    // stack is ready, so a request made while it starts gets an answer instead of waiting forever.
    // API Gateway refuses request lines and headers over 10 KiB (431 here).
    const http = await listen("httpPort", options.httpPort ?? 3000, 10 * 1024);
    cleanups.push(() => close(http.server));
    const ws = await listen("wsPort", options.wsPort ?? 3001);
    cleanups.push(() => close(ws.server));
    const starting = answerWhileStarting([http.server, ws.server]);

    let dynamoEndpoint = options.dynamoEndpoint;
    if (!dynamoEndpoint) {
      const dynamo = await startDynamoDbLocal({ dataDir: options.dataDir });
      // Stopped last, once nothing can reach a handler any more.
      cleanups.unshift(() => dynamo.stop());
      dynamoEndpoint = dynamo.endpoint;
    }

    const issuer = await createDevIssuer(`http://127.0.0.1:${ws.port}`);
    const provider = options.identityProvider ?? { issuer: issuer.issuer, audiences: [issuer.audience] };
    const settings: Settings = {
      auth:
        options.auth === "jwt"
          ? { mode: "jwt", issuer: provider.issuer, audiences: [...provider.audiences] }
          : { mode: "none" },
      admins: [...(options.admins ?? [])],
      limits: { ...defaultSettings.limits, ...options.limits },
      integrations: options.integrations ?? defaultSettings.integrations,
    };
    // Lambda's Invoke API for the fan-out worker's asynchronous invocations; the worker is loaded with the others.
    let worker: WorkerFunction | undefined;
    const lambda = await startLambdaInvoke({
      functions: {
        [FAN_OUT_WORKER_NAME]: {
          timeoutMs: 60_000,
          invoke: (event, timeoutMs) => {
            if (!worker) throw new Error("the fan-out worker is not loaded yet");
            return worker(event, timeoutMs);
          },
        },
      },
      concurrency: options.fanOutConcurrency ?? 4,
    });
    cleanups.push(() => lambda.stop());
    const vapid = vapidKeys(process.env);
    const webhooks = await startWebhookQueue({ delayScale: options.queueDelayScale });
    cleanups.push(() => webhooks.stop());
    Object.assign(process.env, {
      ...sdkEnvironment(dynamoEndpoint),
      ...webhooks.environment,
      ...secretEnvironment(options.secrets ?? {}),
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      // EMF lines are for CloudWatch; locally they would drown the logs unless asked for.
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
      ...resourceEnvironment(stage, {
        Table: { name: tableName },
        Realtime: {
          url: `ws://127.0.0.1:${ws.port}`,
          managementEndpoint: options.managementEndpoint ?? `http://127.0.0.1:${ws.port}`,
        },
        Settings: settings,
        WebhookQueue: { url: webhooks.url },
        VapidPublicKey: { value: vapid.publicKey },
        VapidPrivateKey: { value: vapid.privateKey },
        FanOutWorker: { name: FAN_OUT_WORKER_NAME },
      }),
    });
    const client = new DynamoDBClient({ endpoint: dynamoEndpoint });
    await ensureTable(client, tableName);
    client.destroy();

    const functions = await loadFunctions();
    worker = functions.fanOutWorker;
    const failures = memoryQueue();
    let broadcastsToFail = 0;
    const poller = await startStreamPoller({
      tableName,
      invoke: (event) => {
        if (broadcastsToFail <= 0) return functions.broadcaster(event);
        broadcastsToFail--;
        return Promise.reject(new Error("an injected broadcaster failure"));
      },
      onFailure: failures.send,
      ...(options.streamRetries !== undefined && { maxRetries: options.streamRetries }),
    });
    cleanups.push(() => poller.stop());
    webhooks.attach(functions);
    // The second stream reader runs only when it has work: webhooks to queue or pushes to send.
    if (settings.integrations.webhooks.length > 0 || settings.integrations.push) {
      const integrationsPoller = await startIntegrationsPoller(tableName, functions);
      cleanups.push(() => integrationsPoller.stop());
    }
    const { auth } = settings;
    // From here to the end of this block nothing waits: the real listeners replace the start-up ones at once.
    starting.ready();
    http.server.on(
      "request",
      httpApi(functions.http, {
        authorizer: auth.mode === "jwt" ? createJwtAuthorizer(auth) : null,
        corsOrigins: options.corsOrigins ?? ["*"],
      }),
    );
    const socketApi = attachWebSocketApi(ws.server, functions.socket, {
      authorizer: auth.mode === "jwt" ? functions.socketAuthorizer : null,
      extraRoutes: issuer.handle,
      posts: postGate(options.management),
    });
    cleanups.push(() => socketApi.closeAll());

    return {
      httpUrl: `http://127.0.0.1:${http.port}`,
      wsUrl: `ws://127.0.0.1:${ws.port}`,
      dynamoEndpoint,
      issuer,
      settings,
      failureQueue: failures.queue,
      failPosts: socketApi.failPosts,
      failBroadcasts: (count: number) => {
        broadcastsToFail = count;
      },
      sendToAll: socketApi.sendToAll,
      webhookFailures: webhooks.queue.deadLetters,
      fanOut: { invocations: lambda.invocations, idle: lambda.idle, failed: lambda.failed },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};

/** A port the stack was asked for is bound by another program. */
export class PortInUseError extends Error {
  override name = "PortInUseError";

  constructor(
    /** The option that asked for it. */
    readonly option: "httpPort" | "wsPort",
    readonly port: number,
  ) {
    super(`Port ${port} (${option}) is in use by another program`);
  }
}

/** A server on loopback only, without request handling yet. */
const listen = (option: PortInUseError["option"], port: number, maxHeaderSize?: number) =>
  new Promise<{ server: Server; port: number }>((resolve, reject) => {
    const server = createServer(maxHeaderSize ? { maxHeaderSize } : {});
    answerClientErrors(server);
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new PortInUseError(option, port) : error),
    );
    server.listen(port, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
