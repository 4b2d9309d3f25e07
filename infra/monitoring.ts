import { alarm } from "./alerts";
import { api } from "./api";
import { failures, subscriber } from "./broadcaster";
import { realtime } from "./realtime";
import { stageConfig } from "./stage-config";

const config = stageConfig($app.stage);
const region = aws.getRegionOutput().region;
const broadcasterName = subscriber.apply((s) => s.nodes.function.name);
const httpApiId = api.nodes.api.id;
const socketApiId = realtime.nodes.api.id;

// The handlers' EMF metrics: namespace `Chat`, dimensions `Stage` and Powertools' `service`.
const namespace = "Chat";
const chatDimensions = { Stage: $app.stage, service: "chat" };
const chat = (metric: string, extra: Record<string, string> = {}) => [
  namespace,
  metric,
  ...Object.entries({ ...chatDimensions, ...extra }).flat(),
];

/** Broadcast failures as a percentage of attempts, per 5 minutes. */
export const broadcastFailureAlarm = alarm("BroadcastFailureAlarm", {
  alarmDescription: `More than ${config.alarms.broadcastFailurePercent}% of pushes to connections failed`,
  comparisonOperator: "GreaterThanThreshold",
  threshold: config.alarms.broadcastFailurePercent,
  evaluationPeriods: config.alarms.evaluationPeriods,
  treatMissingData: "notBreaching",
  metricQueries: [
    {
      id: "failures",
      metric: {
        namespace,
        metricName: "BroadcastFailures",
        dimensions: chatDimensions,
        period: 300,
        stat: "Sum",
      },
      // An alarm must return exactly one series: the inputs are said not to be it, not left to the default.
      returnData: false,
    },
    {
      id: "attempts",
      metric: {
        namespace,
        metricName: "BroadcastAttempts",
        dimensions: chatDimensions,
        period: 300,
        stat: "Sum",
      },
      returnData: false,
    },
    {
      id: "failurePercent",
      expression: "IF(attempts > 0, 100 * failures / attempts, 0)",
      label: "Broadcast failure %",
      returnData: true,
    },
  ],
});

/**
 * The broadcaster is behind the table's stream, or has stopped. IteratorAge exists only while the broadcaster is
 * invoked, and with the stream filtered to message INSERTs a quiet stage invokes it never: missing IteratorAge alone
 * cannot tell "stopped" (mapping disabled or deleted, function unable to run) from "nobody is talking". So the alarm
 * reads the messages posted too: in a minute with messages posted and no IteratorAge, the broadcaster counts as
 * behind by the threshold and more; in a minute without either, it is not behind. If CloudWatch returns nothing at
 * all, that is breaching: the alarm cannot see, which on-call must know.
 */
export const iteratorAgeAlarm = alarm("BroadcasterIteratorAgeAlarm", {
  alarmDescription:
    `The broadcaster is more than ${config.alarms.iteratorAgeMs / 1000} s behind the table's stream, ` +
    "or messages are being posted and it is not running",
  comparisonOperator: "GreaterThanThreshold",
  threshold: config.alarms.iteratorAgeMs,
  evaluationPeriods: config.alarms.evaluationPeriods,
  treatMissingData: "breaching",
  metricQueries: [
    {
      id: "age",
      metric: {
        namespace: "AWS/Lambda",
        metricName: "IteratorAge",
        dimensions: { FunctionName: broadcasterName },
        period: 60,
        stat: "Maximum",
      },
      returnData: false,
    },
    {
      id: "posted",
      metric: {
        namespace,
        metricName: "MessagesPosted",
        dimensions: chatDimensions,
        period: 60,
        stat: "Sum",
      },
      returnData: false,
    },
    {
      id: "lag",
      expression: `IF(FILL(posted, 0) > 0, FILL(age, ${config.alarms.iteratorAgeMs + 1}), FILL(age, 0))`,
      label: "Broadcaster lag (ms; stopped counts as over the threshold)",
      returnData: true,
    },
  ],
});

/** The HTTP API answers 5xx: handler bugs (500), storage trouble (503) or Lambda failures. */
export const http5xxAlarm = alarm("Http5xxAlarm", {
  alarmDescription: `The HTTP API answered ${config.alarms.http5xxCount} or more 5xx responses in 5 minutes`,
  namespace: "AWS/ApiGateway",
  metricName: "5xx",
  dimensions: { ApiId: httpApiId },
  statistic: "Sum",
  period: 300,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  threshold: config.alarms.http5xxCount,
  evaluationPeriods: config.alarms.evaluationPeriods,
  treatMissingData: "notBreaching",
});

/**
 * The WebSocket API could not run a route's function (ExecutionError: missing permission, throttled, crashed) or
 * the function answered an error (IntegrationError): handshakes fail, frames go unanswered.
 */
export const socketErrorAlarms = (["IntegrationError", "ExecutionError"] as const).map((metricName) =>
  alarm(`Socket${metricName}Alarm`, {
    alarmDescription: `The WebSocket API counted ${config.alarms.socketErrorCount} or more ${metricName}s in 5 minutes`,
    namespace: "AWS/ApiGateway",
    metricName,
    dimensions: { ApiId: socketApiId },
    statistic: "Sum",
    period: 300,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    threshold: config.alarms.socketErrorCount,
    evaluationPeriods: config.alarms.evaluationPeriods,
    treatMissingData: "notBreaching",
  }),
);

/** Anything in the failure queue is a batch of messages some rooms never received: replay it (README, Operations). */
export const failureQueueAlarm = alarm("BroadcastFailureQueueAlarm", {
  alarmDescription:
    "Stream records the broadcaster gave up on are waiting in the failure queue: run pnpm replay",
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: failures.nodes.queue.name },
  statistic: "Maximum",
  period: 300,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  threshold: 1,
  evaluationPeriods: 1,
  treatMissingData: "notBreaching",
});

const widget = (title: string, metrics: unknown[], extra: Record<string, unknown> = {}) => ({
  type: "metric",
  width: 12,
  height: 6,
  properties: { title, region, view: "timeSeries", stat: "Sum", period: 60, metrics, ...extra },
});

/** One page for the stage: the chat's own metrics next to the API Gateway and Lambda ones that explain them. */
export const dashboard = new aws.cloudwatch.Dashboard("Dashboard", {
  dashboardName: `${$app.name}-${$app.stage}`,
  dashboardBody: $jsonStringify({
    widgets: [
      widget("Messages posted", [chat("MessagesPosted")]),
      widget("Message length (code points)", [
        [...chat("MessageLength"), { stat: "Average" }],
        [...chat("MessageLength"), { stat: "p99" }],
      ]),
      widget("Connection events", [
        chat("ConnectionEvents", { EventType: "connect" }),
        chat("ConnectionEvents", { EventType: "disconnect" }),
      ]),
      widget("Broadcast", [
        chat("BroadcastAttempts"),
        chat("BroadcastSuccesses"),
        chat("BroadcastFailures"),
        chat("StaleConnectionsPruned"),
      ]),
      widget("Broadcast latency, createdAt to delivery (ms)", [
        [...chat("BroadcastLatency"), { stat: "p50" }],
        [...chat("BroadcastLatency"), { stat: "p90" }],
        [...chat("BroadcastLatency"), { stat: "p99" }],
      ]),
      widget("Broadcaster iterator age (ms)", [
        ["AWS/Lambda", "IteratorAge", "FunctionName", broadcasterName, { stat: "Maximum" }],
      ]),
      widget("HTTP API responses", [
        ["AWS/ApiGateway", "Count", "ApiId", httpApiId],
        ["AWS/ApiGateway", "4xx", "ApiId", httpApiId],
        ["AWS/ApiGateway", "5xx", "ApiId", httpApiId],
      ]),
      widget("WebSocket API", [
        ["AWS/ApiGateway", "ConnectCount", "ApiId", socketApiId],
        ["AWS/ApiGateway", "MessageCount", "ApiId", socketApiId],
        ["AWS/ApiGateway", "IntegrationError", "ApiId", socketApiId],
        ["AWS/ApiGateway", "ExecutionError", "ApiId", socketApiId],
        ["AWS/ApiGateway", "ClientError", "ApiId", socketApiId],
      ]),
      {
        type: "alarm",
        width: 24,
        height: 3,
        properties: {
          title: "Alarms",
          // The stage's own alarms; each function's errors and throttles are on its own page.
          alarms: [
            broadcastFailureAlarm.arn,
            iteratorAgeAlarm.arn,
            http5xxAlarm.arn,
            ...socketErrorAlarms.map((a) => a.arn),
            failureQueueAlarm.arn,
          ],
        },
      },
    ],
  }),
});
