import { Metrics } from "@aws-lambda-powertools/metrics";
import pino from "pino";
import { config } from "./runtime-config";

export { MetricUnit } from "@aws-lambda-powertools/metrics";

/** The one logger: JSON lines on stdout, which Lambda ships to CloudWatch Logs. */
export const logger = pino({
  level: config.logLevel,
  base: { service: "chat" },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
});

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
