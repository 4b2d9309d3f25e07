import type { HandlerModule } from "@chat/functions/routes";
import type { BuildRequest, DeployPlan, PlannedResource } from "./deploy-plan";

/** Resource types the checks look at. */
export const Types = {
  table: "aws:dynamodb/table:Table",
  api: "aws:apigatewayv2/api:Api",
  stage: "aws:apigatewayv2/stage:Stage",
  route: "aws:apigatewayv2/route:Route",
  authorizer: "aws:apigatewayv2/authorizer:Authorizer",
  integration: "aws:apigatewayv2/integration:Integration",
  function: "aws:lambda/function:Function",
  role: "aws:iam/role:Role",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  eventSourceMapping: "aws:lambda/eventSourceMapping:EventSourceMapping",
  queue: "aws:sqs/queue:Queue",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  topic: "aws:sns/topic:Topic",
  topicSubscription: "aws:sns/topicSubscription:TopicSubscription",
  dashboard: "aws:cloudwatch/dashboard:Dashboard",
} as const;

/** One IAM policy statement as SST writes it into a role's inline policy. */
export interface Statement {
  effect: string;
  actions: string[];
  resources: string[];
}

/** A handler's Lambda function with everything around it. */
export interface PlannedFunction {
  module: HandlerModule;
  build: BuildRequest;
  lambda: PlannedResource;
  role: PlannedResource;
  logGroup: PlannedResource;
  statements: Statement[];
}

const prefix = "packages/functions/src/";

/** The statements that allow an action. */
export const allows = (statements: Statement[], action: string) =>
  statements.filter((statement) => statement.effect === "Allow" && statement.actions.includes(action));

/** Questions about a deploy plan, answered from the recorded resources. */
export const queries = (plan: DeployPlan) => {
  const ofType = (type: string) => plan.resources.filter((resource) => resource.type === type);
  const one = (type: string, name?: string) => {
    const found = ofType(type).filter((resource) => name === undefined || resource.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ""}, found ${found.length}`);
    return found[0] as PlannedResource;
  };
  const byName = (type: string, name: string) => one(type, name);

  // SST names a function's resources after its component: `<id>Function`, `<id>Role`, `<id>LogGroup`.
  const functions: PlannedFunction[] = plan.builds.map((build) => {
    if (!build.handler.startsWith(prefix) || !build.handler.endsWith(".handler")) {
      throw new Error(`unexpected handler ${build.handler}`);
    }
    const role = byName(Types.role, `${build.functionID}Role`);
    const policies = (role.inputs.inlinePolicies ?? []) as { policy: string }[];
    return {
      module: build.handler.slice(prefix.length, -".handler".length) as HandlerModule,
      build,
      lambda: byName(Types.function, `${build.functionID}Function`),
      role,
      logGroup: byName(Types.logGroup, `${build.functionID}LogGroup`),
      statements: policies.flatMap(
        (policy) => (JSON.parse(policy.policy) as { Statement: Statement[] }).Statement,
      ),
    };
  });

  /** The function a Lambda ARN or invocation ARN (as the mocks make them) points at. */
  const functionByArn = (arn: unknown): PlannedFunction => {
    const found = functions.find((fn) => new RegExp(`:${fn.lambda.name}(/invocations)?$`).test(String(arn)));
    if (!found) throw new Error(`no function for ${String(arn)}`);
    return found;
  };

  /** The API Gateway API of a protocol (`HTTP` or `WEBSOCKET`). */
  const api = (protocol: "HTTP" | "WEBSOCKET") => {
    const found = ofType(Types.api).filter((resource) => resource.inputs.protocolType === protocol);
    if (found.length !== 1) throw new Error(`expected one ${protocol} API, found ${found.length}`);
    return found[0] as PlannedResource;
  };

  /** Every route of an API and the handler module serving it (route -> integration -> function). */
  const routesOf = (apiResource: PlannedResource): Record<string, HandlerModule> => {
    const apiId = `${apiResource.name}-id`;
    return Object.fromEntries(
      ofType(Types.route)
        .filter((route) => route.inputs.apiId === apiId)
        .map((route) => {
          const integrationName = String(route.inputs.target)
            .replace(/^integrations\//, "")
            .replace(/-id$/, "");
          const integration = byName(Types.integration, integrationName);
          return [String(route.inputs.routeKey), functionByArn(integration.inputs.integrationUri).module];
        }),
    );
  };

  /** The event source mapping feeding a handler module. */
  const mappingOf = (module: HandlerModule) => {
    const found = ofType(Types.eventSourceMapping).filter(
      (mapping) => functionByArn(mapping.inputs.functionName).module === module,
    );
    if (found.length !== 1)
      throw new Error(`expected one event source mapping for ${module}, found ${found.length}`);
    return found[0] as PlannedResource;
  };

  /** The SQS queue of an SST `Queue` component. */
  const queueNamed = (component: string) => {
    const found = ofType(Types.queue).filter(
      (queue) => queue.name === `${component}Queue` || queue.name === component,
    );
    if (found.length !== 1) {
      throw new Error(
        `expected one queue ${component}, found ${ofType(Types.queue).map((queue) => queue.name)}`,
      );
    }
    return found[0] as PlannedResource;
  };

  return { ofType, one, functions, functionByArn, api, routesOf, mappingOf, queueNamed };
};
