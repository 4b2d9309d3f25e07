import * as v from "valibot";
import { Timestamp } from "./fields";

export const HealthResponse = v.object({
  status: v.literal("ok"),
  version: v.string(),
  stage: v.string(),
  timestamp: Timestamp,
});
export type HealthResponse = v.InferOutput<typeof HealthResponse>;
