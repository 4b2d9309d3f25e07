/**
 * Per-stage configuration: everything that differs between a developer's stage and production, in one typed place.
 * Plain data with no SST globals, so `sst.config.ts` can read it in `app()` as well as in `run()`.
 */

import type { httpRoutes, socketRoutes } from "@chat/functions/routes";
import { type AuthSettings, defaultSettings, parseAdmins, type Settings } from "@chat/functions/settings";
import { integrationsFromEnvironment } from "./integrations-config";

/** Stages that hold real users' data: their table is retained and protected, and `sst remove` refuses them. */
export const productionStages: readonly string[] = ["production"];

/** Whether a stage is a production stage. */
export const isProduction = (stage: string): boolean => productionStages.includes(stage);

/** CloudWatch Logs retention, in the words SST's `logging.retention` and `accessLog.retention` accept. */
export type LogRetention = "1 week" | "2 weeks" | "1 month" | "3 months" | "6 months" | "1 year";

/** API Gateway throttling of one route: the steady rate (requests per second) and the burst above it. */
export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

/**
 * An API's throttling, route by route. API Gateway applies a stage's `defaultRouteSettings` to each route on its
 * own (it is not a stage total): every route gets `perRoute`, unless `routes` gives it its own size. The stage can
 * then take the sum of all of them, within the account's limit for the region (10,000 rps, burst 5,000, shared by
 * every API of the account: ask AWS to raise it before a launch).
 */
export interface RouteThrottles<Route extends string> {
  perRoute: Throttle;
  routes?: Partial<Record<Route, Throttle>>;
}

export type HttpRoute = keyof typeof httpRoutes;
export type SocketRoute = keyof typeof socketRoutes;

/** Memory (MB) and timeout (seconds) of one kind of function. */
export interface FunctionSize {
  memoryMb: number;
  timeoutSeconds: number;
}

/** How the broadcaster reads the table's stream (Lambda event source mapping settings). */
export interface StreamReading {
  batchSize: number;
  batchingWindowSeconds: number;
  maximumRetryAttempts: number;
  maximumRecordAgeSeconds: number;
}

/** When an alarm goes off: each needs `evaluationPeriods` breaching periods in a row (5 minutes; 1 for iterator age). */
export interface AlarmThresholds {
  /** Broadcast failures as a percentage of attempts, over 5 minutes. */
  broadcastFailurePercent: number;
  /** Age of the oldest stream record the broadcaster has not processed, in milliseconds. */
  iteratorAgeMs: number;
  /** HTTP API responses with a 5xx status, summed over 5 minutes. */
  http5xxCount: number;
  /** Invocations of one function that failed (threw, timed out, ran out of memory), summed over 5 minutes. */
  functionErrorCount: number;
  /** Invocations of one function that Lambda refused for lack of concurrency, summed over 5 minutes. */
  functionThrottleCount: number;
  /** WebSocket API integration errors (a handler failed) or execution errors (it could not be called), per 5 minutes. */
  socketErrorCount: number;
  evaluationPeriods: number;
}

/**
 * Where the stage's alarms go: an e-mail address (the stage gets its own SNS topic, subscribed to it; the address
 * must confirm the subscription AWS mails it) or an SNS topic that already exists (a pager's, a chat integration's).
 */
export type AlarmRoute = { email: string } | { topicArn: string };

/** The configuration of one stage. */
export interface StageConfig {
  production: boolean;
  /** What the handlers are told through the `Settings` resource: auth mode, stage admins and limits. */
  settings: Settings;
  /** Origins allowed to call the HTTP API from a browser (`CHAT_CORS_ORIGINS`; never `*` on production). */
  corsAllowOrigins: readonly string[];
  httpThrottle: RouteThrottles<HttpRoute>;
  /**
   * The WebSocket API's, one size for each of its routes: the budget of `$default`, which is every frame of every
   * connection of the stage together (the handler's `framesPerMinute` limits each user within it); `$connect`
   * (handshakes) and `$disconnect` get the same. Not sized apart: route settings need their routes to exist first,
   * and the WebSocket stage cannot wait for its routes (their functions are linked to the API's URL, which names the
   * stage).
   */
  socketThrottle: Omit<RouteThrottles<SocketRoute>, "routes">;
  logRetention: LogRetention;
  functions: Record<FunctionKind, FunctionSize>;
  stream: StreamReading;
  alarms: AlarmThresholds;
  /** Who is told when an alarm goes off (and when it is over); required on production stages. */
  alarmRoute: AlarmRoute | null;
}

/** Functions are sized by what they do: answer a request, handle a socket event, or fan a message out. */
export type FunctionKind = "http" | "socket" | "broadcaster";

// The DynamoDB client gives up after 3 attempts of at most 1 s to connect + 3 s to answer: 15 s lets a handler
// answer `unavailable` itself rather than be cut off by Lambda. The broadcaster posts to a whole room per record,
// 100 at a time, and more memory is more CPU for that.
const functions: Record<FunctionKind, FunctionSize> = {
  http: { memoryMb: 512, timeoutSeconds: 15 },
  socket: { memoryMb: 512, timeoutSeconds: 15 },
  broadcaster: { memoryMb: 1024, timeoutSeconds: 60 },
};

// A chat push must never wait for a batch to fill (window 0). A record that still fails after 5 retries or
// 10 minutes goes to the failure queue: by then clients have reconnected and caught up from history anyway.
const stream: StreamReading = {
  batchSize: 50,
  batchingWindowSeconds: 0,
  maximumRetryAttempts: 5,
  maximumRecordAgeSeconds: 600,
};

/**
 * Token auth for a stage, from the deployer's environment: the issuer (an OIDC provider: Cognito, Auth0, Okta...)
 * and the audiences its tokens may be for (`CHAT_JWT_AUDIENCE`, comma-separated: an API identifier, or a Cognito
 * app client id, which access tokens carry as `client_id`). Its keys are found through the `jwks_uri` of
 * `<issuer>/.well-known/openid-configuration`, by API Gateway and by the socket's authorizer alike.
 */
const jwtFromEnvironment = (stage: string): AuthSettings => {
  const issuer = process.env.CHAT_JWT_ISSUER;
  const audiences = (process.env.CHAT_JWT_AUDIENCE ?? "")
    .split(",")
    .map((audience) => audience.trim())
    .filter(Boolean);
  if (!issuer || audiences.length === 0) {
    throw new Error(
      `Stage "${stage}" requires tokens: set CHAT_JWT_ISSUER and CHAT_JWT_AUDIENCE to your identity provider's ` +
        "issuer URL and audience(s) (or CHAT_AUTH=none to deploy it open).",
    );
  }
  return { mode: "jwt", issuer, audiences };
};

/**
 * What `CHAT_ALLOW_OPEN_PRODUCTION` must say for a production stage to deploy without tokens: a sentence nobody
 * types by accident or copies from a development setup.
 */
export const OPEN_PRODUCTION_CONSENT = "yes-anyone-can-post";

/**
 * Production stages require tokens unless told otherwise; other stages are open unless `CHAT_AUTH=jwt`. Opening a
 * production stage takes `CHAT_AUTH=none` and, deliberately, `CHAT_ALLOW_OPEN_PRODUCTION=yes-anyone-can-post`: a
 * `CHAT_AUTH=none` left in a shell from development work must not open it.
 */
const authFor = (stage: string, production: boolean): AuthSettings => {
  const mode = process.env.CHAT_AUTH || (production ? "jwt" : "none");
  if (mode !== "jwt" && mode !== "none") throw new Error(`CHAT_AUTH must be "jwt" or "none", got "${mode}"`);
  if (mode === "none" && production && process.env.CHAT_ALLOW_OPEN_PRODUCTION !== OPEN_PRODUCTION_CONSENT) {
    throw new Error(
      `Stage "${stage}" is a production stage and CHAT_AUTH=none would let anyone post as anyone. ` +
        "Deploy it with tokens (CHAT_AUTH=jwt, CHAT_JWT_ISSUER, CHAT_JWT_AUDIENCE), or, if an open production " +
        `stage is really what you want, also set CHAT_ALLOW_OPEN_PRODUCTION=${OPEN_PRODUCTION_CONSENT}.`,
    );
  }
  return mode === "jwt" ? jwtFromEnvironment(stage) : { mode: "none" };
};

/**
 * The browser origins allowed to call a stage's HTTP API, from the deployer's environment: `CHAT_CORS_ORIGINS`, a
 * comma-separated list of origins (`https://chat.example.com`). Other stages default to `*`; a production stage
 * must name its origins, each on https, and `*` is refused there: any page on the web could call the API with a
 * user's token.
 */
const corsOriginsFor = (stage: string, production: boolean): readonly string[] => {
  const listed = (process.env.CHAT_CORS_ORIGINS ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (listed.length === 0) {
    if (!production) return ["*"];
    throw new Error(
      `Stage "${stage}" is a production stage: set CHAT_CORS_ORIGINS to the web client's origin(s), ` +
        "comma-separated (e.g. CHAT_CORS_ORIGINS=https://chat.example.com).",
    );
  }
  for (const origin of listed) {
    if (origin === "*") {
      if (!production) continue;
      throw new Error(
        `CHAT_CORS_ORIGINS: "*" is refused on production stage "${stage}": list the web client's origin(s) instead.`,
      );
    }
    if (!isOrigin(origin)) {
      throw new Error(`CHAT_CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port], no path).`);
    }
    if (production && !origin.startsWith("https://")) {
      throw new Error(`CHAT_CORS_ORIGINS: "${origin}" must use https on production stage "${stage}".`);
    }
  }
  return listed;
};

const emailAddress = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const snsTopicArn = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/**
 * Where a stage's alarms go, from the deployer's environment: `CHAT_ALARM_EMAIL` (an address) or
 * `CHAT_ALARM_TOPIC_ARN` (an existing SNS topic), not both. A production stage must name one: an alarm nobody
 * receives is a dashboard nobody watches.
 */
const alarmRouteFor = (stage: string, production: boolean): AlarmRoute | null => {
  const email = process.env.CHAT_ALARM_EMAIL?.trim() || undefined;
  const topicArn = process.env.CHAT_ALARM_TOPIC_ARN?.trim() || undefined;
  if (email && topicArn) {
    throw new Error("Set CHAT_ALARM_EMAIL or CHAT_ALARM_TOPIC_ARN for the stage's alarms, not both.");
  }
  if (email !== undefined) {
    if (!emailAddress.test(email)) throw new Error(`CHAT_ALARM_EMAIL: "${email}" is not an e-mail address.`);
    return { email };
  }
  if (topicArn !== undefined) {
    if (!snsTopicArn.test(topicArn)) {
      throw new Error(
        `CHAT_ALARM_TOPIC_ARN: "${topicArn}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>).`,
      );
    }
    return { topicArn };
  }
  if (!production) return null;
  throw new Error(
    `Stage "${stage}" is a production stage: its alarms must reach someone. Set CHAT_ALARM_EMAIL to an address ` +
      "(it gets a subscription to confirm) or CHAT_ALARM_TOPIC_ARN to an existing SNS topic.",
  );
};

const isOrigin = (value: string): boolean => {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
  } catch {
    return false;
  }
};

const developmentConfig: Omit<StageConfig, "settings" | "corsAllowOrigins" | "alarmRoute"> = {
  production: false,
  httpThrottle: {
    perRoute: { rateLimit: 20, burstLimit: 40 },
    routes: {
      "POST /rooms/{roomId}/messages": { rateLimit: 50, burstLimit: 100 },
      "GET /rooms/{roomId}/messages": { rateLimit: 50, burstLimit: 100 },
    },
  },
  socketThrottle: { perRoute: { rateLimit: 100, burstLimit: 200 } },
  logRetention: "1 week",
  functions,
  stream,
  alarms: {
    broadcastFailurePercent: 10,
    iteratorAgeMs: 300_000,
    http5xxCount: 20,
    functionErrorCount: 10,
    functionThrottleCount: 10,
    socketErrorCount: 20,
    evaluationPeriods: 3,
  },
};

const productionConfig: Omit<StageConfig, "settings" | "corsAllowOrigins" | "alarmRoute"> = {
  production: true,
  // Sized by what each route is. Sends and history are the traffic (a send is 60 a minute per user at most; history
  // is read on every room opened and every reconnect); the listings a page reads when it opens next; room admin and
  // moderation are people clicking; health, the OpenAPI document and unknown paths are for monitors and scanners.
  httpThrottle: {
    perRoute: { rateLimit: 50, burstLimit: 100 },
    routes: {
      "POST /rooms/{roomId}/messages": { rateLimit: 500, burstLimit: 1000 },
      "GET /rooms/{roomId}/messages": { rateLimit: 500, burstLimit: 1000 },
      "GET /rooms": { rateLimit: 200, burstLimit: 400 },
      "GET /me/rooms": { rateLimit: 200, burstLimit: 400 },
      "GET /rooms/{roomId}": { rateLimit: 200, burstLimit: 400 },
      "GET /rooms/{roomId}/members": { rateLimit: 200, burstLimit: 400 },
      "GET /rooms/{roomId}/presence": { rateLimit: 200, burstLimit: 400 },
      "GET /health": { rateLimit: 10, burstLimit: 20 },
      "GET /openapi.json": { rateLimit: 10, burstLimit: 20 },
      $default: { rateLimit: 20, burstLimit: 40 },
    },
  },
  // Frames of all users together: at the handler's 120 frames a minute per user that is 500 users at their limit,
  // far more at a chat's usual rate (a message, a typing notice every 2 s while typing). Handshakes get the same:
  // room for a reconnect storm after a deploy or a network blip (clients back off with jitter).
  socketThrottle: { perRoute: { rateLimit: 1000, burstLimit: 2000 } },
  logRetention: "3 months",
  functions,
  stream,
  // Handlers answer their own errors (500, 503, error frames): a Lambda error is a crash or a timeout, worth a look
  // each time.
  alarms: {
    broadcastFailurePercent: 1,
    iteratorAgeMs: 60_000,
    http5xxCount: 5,
    functionErrorCount: 1,
    functionThrottleCount: 1,
    socketErrorCount: 5,
    evaluationPeriods: 2,
  },
};

/** The configuration of a stage: production settings for production stages, development settings otherwise. */
export const stageConfig = (stage: string): StageConfig => {
  const production = isProduction(stage);
  const config = production ? productionConfig : developmentConfig;
  return {
    ...config,
    settings: {
      ...defaultSettings,
      auth: authFor(stage, production),
      admins: parseAdmins(process.env.CHAT_ADMINS),
      integrations: integrationsFromEnvironment(),
    },
    corsAllowOrigins: corsOriginsFor(stage, production),
    alarmRoute: alarmRouteFor(stage, production),
  };
};
