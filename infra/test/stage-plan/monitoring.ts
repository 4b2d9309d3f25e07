import { broadcaster } from "@chat/functions/routes";
import { expect, it } from "vitest";
import { Types } from "../plan-queries";
import type { StagePlanContext } from "./context";

/** The metrics the handlers emit (DESIGN.md, Observability): the dashboard must chart every one. */
const chatMetrics = [
  "MessagesPosted",
  "MessageLength",
  "ConnectionEvents",
  "BroadcastAttempts",
  "BroadcastSuccesses",
  "BroadcastFailures",
  "StaleConnectionsPruned",
  "BroadcastLatency",
];

/** Monitoring: the dashboard, the alarms and where they are sent. */
export const describeMonitoring = (ctx: StagePlanContext) => {
  const { stage, config } = ctx;

  it("charts every chat metric of the stage on one dashboard", () => {
    const body = JSON.parse(String(ctx.q.one(Types.dashboard).inputs.dashboardBody)) as {
      widgets: { properties: { metrics?: unknown[][] } }[];
    };
    const chat = body.widgets
      .flatMap((widget) => widget.properties.metrics ?? [])
      .filter((metric) => metric[0] === "Chat");
    expect(new Set(chat.map((metric) => metric[1]))).toEqual(new Set(chatMetrics));
    for (const metric of chat) {
      const dimensions = metric.slice(2).filter((part) => typeof part === "string");
      expect(dimensions, String(metric[1])).toEqual(
        expect.arrayContaining(["Stage", stage, "service", "chat"]),
      );
    }
    const connectionEvents = chat.filter((metric) => metric[1] === "ConnectionEvents");
    expect(connectionEvents.map((metric) => metric.slice(-1)[0]).sort()).toEqual(["connect", "disconnect"]);
  });

  type MetricQuery = {
    id: string;
    expression?: string;
    returnData?: boolean;
    metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; stat: string };
  };
  const alarmNamed = (name: string) => ctx.q.one(Types.alarm, name);
  const queriesOf = (name: string) => alarmNamed(name).inputs.metricQueries as MetricQuery[];

  it("alarms on broadcast failure %, reading its inputs with returnData false", () => {
    const failureRate = alarmNamed("BroadcastFailureAlarm");
    const inputs = queriesOf("BroadcastFailureAlarm");
    expect(inputs.map((query) => query.metric?.metricName).filter(Boolean)).toEqual([
      "BroadcastFailures",
      "BroadcastAttempts",
    ]);
    for (const query of inputs.filter((query) => query.metric)) {
      expect(query.metric).toMatchObject({
        namespace: "Chat",
        dimensions: { Stage: stage, service: "chat" },
      });
      expect(query.returnData, query.id).toBe(false);
    }
    expect(inputs.filter((query) => query.returnData === true)).toHaveLength(1);
    expect(inputs.find((query) => query.expression)?.expression).toContain("100 * failures / attempts");
    expect(failureRate.inputs.threshold).toBe(config.alarms.broadcastFailurePercent);
  });

  it("alarms when the broadcaster falls behind or stops while messages are posted; no data at all is breaching", () => {
    const alarm = alarmNamed("BroadcasterIteratorAgeAlarm");
    const inputs = queriesOf("BroadcasterIteratorAgeAlarm");
    const broadcasterFunction = ctx.q.functions.find((fn) => fn.module === broadcaster.handler);
    const age = inputs.find((query) => query.metric?.metricName === "IteratorAge");
    expect(age?.metric).toMatchObject({
      namespace: "AWS/Lambda",
      stat: "Maximum",
      dimensions: { FunctionName: broadcasterFunction?.lambda.inputs.name },
    });
    const posted = inputs.find((query) => query.metric?.metricName === "MessagesPosted");
    expect(posted?.metric).toMatchObject({
      namespace: "Chat",
      dimensions: { Stage: stage, service: "chat" },
    });
    expect([age?.returnData, posted?.returnData]).toEqual([false, false]);
    // Messages posted and no IteratorAge: over the threshold; neither: 0.
    expect(inputs.find((query) => query.returnData)?.expression).toBe(
      `IF(FILL(posted, 0) > 0, FILL(age, ${config.alarms.iteratorAgeMs + 1}), FILL(age, 0))`,
    );
    expect(alarm.inputs).toMatchObject({
      threshold: config.alarms.iteratorAgeMs,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "breaching",
    });
  });

  it("alarms on HTTP 5xx, WebSocket integration and execution errors, and the failure queue", () => {
    expect(alarmNamed("Http5xxAlarm").inputs).toMatchObject({
      namespace: "AWS/ApiGateway",
      metricName: "5xx",
      dimensions: { ApiId: `${ctx.q.api("HTTP").name}-id` },
      threshold: config.alarms.http5xxCount,
    });
    for (const metricName of ["IntegrationError", "ExecutionError"]) {
      expect(alarmNamed(`Socket${metricName}Alarm`).inputs).toMatchObject({
        namespace: "AWS/ApiGateway",
        metricName,
        dimensions: { ApiId: `${ctx.q.api("WEBSOCKET").name}-id` },
        statistic: "Sum",
        threshold: config.alarms.socketErrorCount,
      });
    }
    expect(alarmNamed("BroadcastFailureQueueAlarm").inputs.dimensions).toEqual({
      QueueName: ctx.q.queueNamed("BroadcastFailureQueue").inputs.name,
    });
  });

  it("alarms on the errors and the throttles of every function, each by its own name", () => {
    const alarms = ctx.q.ofType(Types.alarm);
    for (const [metricName, threshold] of [
      ["Errors", config.alarms.functionErrorCount],
      ["Throttles", config.alarms.functionThrottleCount],
    ] as const) {
      const watched = alarms
        .filter((alarm) => alarm.inputs.namespace === "AWS/Lambda" && alarm.inputs.metricName === metricName)
        .map((alarm) => {
          expect(alarm.inputs, alarm.name).toMatchObject({
            statistic: "Sum",
            threshold,
            treatMissingData: "notBreaching",
          });
          return (alarm.inputs.dimensions as { FunctionName: string }).FunctionName;
        });
      // Every Lambda function of the plan, not only the route table's: the list is derived, never written down.
      expect(watched.sort()).toEqual(
        ctx.q
          .ofType(Types.function)
          .map((fn) => fn.inputs.name)
          .sort(),
      );
    }
  });

  it(
    config.alarmRoute
      ? "tells the stage's alarm route of every alarm, going off and over"
      : "routes alarms nowhere on a stage that names no route",
    () => {
      const alarms = ctx.q.ofType(Types.alarm);
      expect(alarms.length).toBeGreaterThan(0);
      const route = config.alarmRoute;
      if (!route) {
        for (const alarm of alarms) expect(alarm.inputs.alarmActions, alarm.name).toBeUndefined();
        expect(ctx.q.ofType(Types.topic)).toEqual([]);
        return;
      }
      const topicArn =
        "email" in route
          ? (() => {
              const topic = ctx.q.one(Types.topic);
              const subscription = ctx.q.one(Types.topicSubscription);
              expect(subscription.inputs).toMatchObject({ protocol: "email", endpoint: route.email });
              const arn = `arn:aws:sns:us-east-1:123456789012:${topic.inputs.name ?? topic.name}`;
              expect(subscription.inputs.topic).toBe(arn);
              return arn;
            })()
          : route.topicArn;
      for (const alarm of alarms) {
        expect(alarm.inputs.alarmActions, alarm.name).toEqual([topicArn]);
        expect(alarm.inputs.okActions, alarm.name).toEqual([topicArn]);
      }
    },
  );
};
