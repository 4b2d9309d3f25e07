import { createRequire } from "node:module";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { pino as PinoFactory, Logger as PinoLogger } from "pino";
import { config } from "./config";

export { MetricUnit } from "@aws-lambda-powertools/metrics";

export type Logger = PinoLogger;

// pino and its dependencies are ~9 ms of a handler's cold init: the logger is made when it is first used. A free
// `require` call is one esbuild bundles and evaluates where it is called (SST's banner defines `require` in the
// bundle); unbundled (tests, the local stack) pino is required through `createRequire`.
let made: Logger | undefined;
const make = (): Logger => {
  if (made) return made;
  const pino: typeof PinoFactory =
    typeof require === "function" ? require("pino") : createRequire(import.meta.url)("pino");
  made = pino({
    level: config.logLevel,
    base: { service: "chat" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
  return made;
};

/** The one logger: JSON lines on stdout, which Lambda ships to CloudWatch Logs. Made on first use. */
export const logger: Logger = new Proxy({} as Logger, {
  get: (_, key) => {
    const real = make();
    const value: unknown = Reflect.get(real, key, real);
    return typeof value === "function" ? value.bind(real) : value;
  },
  set: (_, key, value) => Reflect.set(make(), key, value),
});

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
