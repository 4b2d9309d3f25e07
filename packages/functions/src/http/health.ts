import { HealthResponse } from "@chat/types";
import { http, type Operation } from "../edge/http";
import { config } from "../runtime-config";

export const operation = {
  operationId: "health",
  summary: "Health, stage and version",
  responses: { 200: { schema: HealthResponse, description: "The API is up" } },
  errors: ["internal"],
} as const satisfies Operation;

export const handler = http(operation, async () => ({
  status: 200,
  body: {
    // A handler without parameters is typed before `operation` is known, so a literal must say it is one.
    status: "ok" as const,
    version: config.version,
    stage: config.stage,
    timestamp: new Date().toISOString(),
  },
}));
