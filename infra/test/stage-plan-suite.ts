import { beforeAll, describe } from "vitest";
import { stageConfig } from "../stage-config";
import { type DeployPlan, planDeploy } from "./deploy-plan";
import { queries } from "./plan-queries";
import { describeApis } from "./stage-plan/apis";
import type { StageExpectations, StagePlanContext } from "./stage-plan/context";
import { describeFunctions } from "./stage-plan/functions";
import { describeGrants } from "./stage-plan/grants";
import { describeMonitoring } from "./stage-plan/monitoring";
import { describeStreams } from "./stage-plan/streams";
import { describeTable } from "./stage-plan/table";

/**
 * Runs the app's config for `stage` under Pulumi's mocks once, then checks what it would deploy against the route
 * table, the table definition and the stage's configuration.
 */
export const describeStagePlan = (stage: string, expected: StageExpectations = {}) =>
  describe(`deploying the "${stage}" stage`, () => {
    let recorded: { plan: DeployPlan; q: ReturnType<typeof queries> } | undefined;
    const ready = () => {
      if (!recorded) throw new Error("the plan is read in beforeAll: use it inside tests only");
      return recorded;
    };
    const ctx: StagePlanContext = {
      stage,
      config: stageConfig(stage),
      expected,
      get plan() {
        return ready().plan;
      },
      get q() {
        return ready().q;
      },
    };

    beforeAll(async () => {
      const plan = await planDeploy(stage);
      recorded = { plan, q: queries(plan) };
    });

    describeTable(ctx);
    describeApis(ctx);
    describeFunctions(ctx);
    describeGrants(ctx);
    describeStreams(ctx);
    describeMonitoring(ctx);
  });
