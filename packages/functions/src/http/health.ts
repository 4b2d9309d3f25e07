import type { HealthResponse } from "@chat/types";
import { http } from "../edge/http";
import { config } from "../runtime-config";

export const handler = http({}, async () => ({
  status: 200,
  body: {
    status: "ok",
    version: config.version,
    stage: config.stage,
    timestamp: new Date().toISOString(),
  } satisfies HealthResponse,
}));
