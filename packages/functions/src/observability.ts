import { Metrics } from "@aws-lambda-powertools/metrics";
import pino from "pino";
import { config } from "./runtime-config";

export { MetricUnit } from "@aws-lambda-powertools/metrics";

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

/** The one logger's options: JSON lines, ISO timestamps, the level by name, credentials redacted. */
const loggerOptions: pino.LoggerOptions = {
  level: config.logLevel,
  base: { service: "chat" },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  redact: { paths: redactedPaths, censor: REDACTED },
};

/** The one logger: JSON lines on stdout, which Lambda ships to CloudWatch Logs. */
export const logger = pino(loggerOptions);

export type Logger = pino.Logger;

/** The one metrics instance: CloudWatch EMF on stdout, namespace `Chat`, dimension `Stage`. */
export const metrics = new Metrics({
  namespace: "Chat",
  serviceName: "chat",
  defaultDimensions: { Stage: config.stage },
});

/** Writes the metrics an invocation recorded, if any (Powertools warns on an empty flush). */
export const flushMetrics = (): void => {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
};
