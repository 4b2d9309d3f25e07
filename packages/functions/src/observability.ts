import { createRequire } from "node:module";
import type { Metrics, MetricUnit as PowertoolsMetricUnit } from "@aws-lambda-powertools/metrics";
import { deferToFirstUse } from "@chat/core/first-use";
import type { pino as PinoFactory, Logger as PinoLogger } from "pino";
import { config } from "./runtime-config";

export type Logger = PinoLogger;

// pino and Powertools Metrics are ~90 KB that a handler would parse at cold init: they load before the first
// invocation instead (the edges await `beforeFirstUse()`; in a deployed bundle the dynamic `import()`s are chunks of
// their own), and the logger and the metrics are made on first use. Unbundled (tests, scripts) a use before that
// load requires the package directly.
type PinoLibrary = typeof PinoFactory;
type PowertoolsLibrary = typeof import("@aws-lambda-powertools/metrics");
let pinoLibrary: PinoLibrary | undefined;
let powertoolsLibrary: PowertoolsLibrary | undefined;
deferToFirstUse(async () => {
  const [pinoModule, powertools] = await Promise.all([
    import("pino") as Promise<{ pino?: PinoLibrary; default?: PinoLibrary }>,
    import("@aws-lambda-powertools/metrics"),
  ]);
  pinoLibrary ??= pinoModule.pino ?? pinoModule.default;
  powertoolsLibrary ??= powertools;
});
const loadPino = (): PinoLibrary => {
  pinoLibrary ??= createRequire(import.meta.url)("pino") as PinoLibrary;
  return pinoLibrary;
};
const loadPowertools = (): PowertoolsLibrary => {
  powertoolsLibrary ??= createRequire(import.meta.url)("@aws-lambda-powertools/metrics") as PowertoolsLibrary;
  return powertoolsLibrary;
};

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
