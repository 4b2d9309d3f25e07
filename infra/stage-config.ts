/**
 * Per-stage configuration: everything that differs between a developer's stage and production, in one typed place.
 * Plain data with no SST globals, so `sst.config.ts` can read it in `app()` as well as in `run()`.
 */

import { type AuthSettings, defaultSettings, parseAdmins, type Settings } from "@chat/functions/settings";
import { integrationsFromEnvironment } from "./integrations-config";

/** Stages that hold real users' data: their table is retained and protected, and `sst remove` refuses them. */
export const productionStages: readonly string[] = ["production"];

/** Whether a stage is a production stage. */
export const isProduction = (stage: string): boolean => productionStages.includes(stage);

/** CloudWatch Logs retention, in the words SST's `logging.retention` and `accessLog.retention` accept. */
export type LogRetention = "1 week" | "2 weeks" | "1 month" | "3 months" | "6 months" | "1 year";

/** API Gateway stage throttling: the steady rate (requests per second) and the burst above it. */
export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

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
  evaluationPeriods: number;
}

/** The configuration of one stage. */
export interface StageConfig {
  production: boolean;
  /** What the handlers are told through the `Settings` resource: auth mode, stage admins and limits. */
  settings: Settings;
  /** Origins allowed to call the HTTP API from a browser (`CHAT_CORS_ORIGINS`; never `*` on production). */
  corsAllowOrigins: readonly string[];
  httpThrottle: Throttle;
  socketThrottle: Throttle;
  logRetention: LogRetention;
  functions: Record<FunctionKind, FunctionSize>;
  stream: StreamReading;
  alarms: AlarmThresholds;
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
 * Token auth for a stage, from the deployer's environment: the issuer (an OIDC provider: Cognito, Auth0, Clerk...)
 * and the audience its tokens carry. Its keys are found through `<issuer>/.well-known/openid-configuration`.
 */
const jwtFromEnvironment = (stage: string): AuthSettings => {
  const issuer = process.env.CHAT_JWT_ISSUER;
  const audience = process.env.CHAT_JWT_AUDIENCE;
  if (!issuer || !audience) {
    throw new Error(
      `Stage "${stage}" requires tokens: set CHAT_JWT_ISSUER and CHAT_JWT_AUDIENCE to your identity provider's ` +
        "issuer URL and audience (or CHAT_AUTH=none to deploy it open).",
    );
  }
  return { mode: "jwt", issuer, audience };
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

const isOrigin = (value: string): boolean => {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
  } catch {
    return false;
  }
};

const developmentConfig: Omit<StageConfig, "settings" | "corsAllowOrigins"> = {
  production: false,
  httpThrottle: { rateLimit: 50, burstLimit: 100 },
  socketThrottle: { rateLimit: 50, burstLimit: 100 },
  logRetention: "1 week",
  functions,
  stream,
  alarms: { broadcastFailurePercent: 10, iteratorAgeMs: 300_000, http5xxCount: 20, evaluationPeriods: 3 },
};

const productionConfig: Omit<StageConfig, "settings" | "corsAllowOrigins"> = {
  production: true,
  httpThrottle: { rateLimit: 500, burstLimit: 1000 },
  socketThrottle: { rateLimit: 500, burstLimit: 1000 },
  logRetention: "3 months",
  functions,
  stream,
  alarms: { broadcastFailurePercent: 1, iteratorAgeMs: 60_000, http5xxCount: 5, evaluationPeriods: 2 },
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
  };
};
