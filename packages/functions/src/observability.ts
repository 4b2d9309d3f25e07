import { createRequire } from "node:module";
import type { Metrics, MetricUnit as PowertoolsMetricUnit } from "@aws-lambda-powertools/metrics";
import type { pino as PinoFactory, Logger as PinoLogger } from "pino";
import { config } from "./runtime-config";

export type Logger = PinoLogger;

// pino (~9 ms) and Powertools Metrics (~3 ms) are a good part of a handler's cold init: both are loaded and made on
// their first use, and a handler that records no metric never loads Powertools. A free `require` call is one
// esbuild bundles and evaluates where it is called (SST's banner defines `require` in the bundle); unbundled
// (tests, the local stack) the package is required through `createRequire`.
// Each `require` names its package literally: esbuild bundles only a require of a string literal.
const loadPino = (): typeof PinoFactory =>
  typeof require === "function" ? require("pino") : createRequire(import.meta.url)("pino");
const loadPowertools = (): typeof import("@aws-lambda-powertools/metrics") =>
  typeof require === "function"
    ? require("@aws-lambda-powertools/metrics")
    : createRequire(import.meta.url)("@aws-lambda-powertools/metrics");

/** An object made by `make` when first used, then forwarded to (its methods bound to it). */
const onFirstUse = <T extends object>(make: () => T): T =>
  new Proxy({} as T, {
    get: (_, key) => {
      const real = make();
      const value: unknown = Reflect.get(real, key, real);
      return typeof value === "function" ? value.bind(real) : value;
    },
    set: (_, key, value) => Reflect.set(make(), key, value),
  });

/** What stands in the logs where a credential was. */
const REDACTED = "[redacted]";

// Credentials an event or an error may carry: the HTTP API's `authorization` header (payload v2 lower-cases
// headers; WebSocket events keep the client's case) and cookies, `$connect`'s `?token=` (browsers cannot set
// headers on a WebSocket), and any field named `token`. The edge logs ids, not events: this is for the line that one
// day logs an event (directly or as `event`), a request, or an error carrying either. Explicit paths only: pino's
// wildcard paths cost ~70 µs a line here, these ~5.
const credentials = [
  "authorization",
  "Authorization",
  "cookie",
  "Cookie",
  "cookies",
  "token",
  "headers.authorization",
  "headers.Authorization",
  "headers.cookie",
  "headers.Cookie",
  "multiValueHeaders.authorization",
  "multiValueHeaders.Authorization",
  "multiValueHeaders.cookie",
  "multiValueHeaders.Cookie",
  "queryStringParameters.token",
  "multiValueQueryStringParameters.token",
];
const holders = ["", "event.", "request.", "err.", "err.request.", "err.event."];
const redactedPaths = holders.flatMap((holder) => credentials.map((path) => `${holder}${path}`));

let madeLogger: Logger | undefined;
const makeLogger = (): Logger => {
  if (madeLogger) return madeLogger;
  const pino = loadPino();
  madeLogger = pino({
    level: config.logLevel,
    base: { service: "chat" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: redactedPaths, censor: REDACTED },
  });
  return madeLogger;
};

/** The one logger: JSON lines on stdout, which Lambda ships to CloudWatch Logs. Made on first use. */
export const logger: Logger = onFirstUse(makeLogger);

let madeMetrics: Metrics | undefined;
const makeMetrics = (): Metrics => {
  if (madeMetrics) return madeMetrics;
  const { Metrics } = loadPowertools();
  madeMetrics = new Metrics({
    namespace: "Chat",
    serviceName: "chat",
    defaultDimensions: { Stage: config.stage },
  });
  return madeMetrics;
};

/** The one metrics instance: CloudWatch EMF on stdout, namespace `Chat`, dimension `Stage`. Made on first use. */
export const metrics: Metrics = onFirstUse(makeMetrics);

/** The units the handlers record in (Powertools' names; importing its `MetricUnit` would load Powertools at init). */
export const MetricUnit = {
  Count: "Count",
  Milliseconds: "Milliseconds",
} as const satisfies Partial<typeof PowertoolsMetricUnit>;

/** Writes the metrics an invocation recorded, if any (Powertools warns on an empty flush). */
export const flushMetrics = (): void => {
  if (madeMetrics?.hasStoredMetrics()) madeMetrics.publishStoredMetrics();
};
