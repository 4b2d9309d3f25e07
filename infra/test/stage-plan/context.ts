import type { StageConfig } from "../../stage-config";
import type { DeployPlan } from "../deploy-plan";
import type { queries } from "../plan-queries";

/** What a stage's plan must show beyond its configuration (the deployer's environment). */
export interface StageExpectations {
  corsOrigins?: string[];
  admins?: string[];
}

/**
 * What each part of the stage-plan suite checks against: the stage, its configuration, and the plan the suite's
 * `beforeAll` records (read `plan` and `q` inside tests only).
 */
export interface StagePlanContext {
  readonly stage: string;
  readonly config: StageConfig;
  readonly expected: StageExpectations;
  readonly plan: DeployPlan;
  readonly q: ReturnType<typeof queries>;
}
