import { stageConfig } from "./stage-config";

const config = stageConfig($app.stage);
const route = config.alarmRoute;

/** The stage's own topic when alarms go to an e-mail address (AWS mails it a subscription to confirm). */
const topic = route && "email" in route ? new aws.sns.Topic("AlarmTopic") : null;
if (topic && route && "email" in route) {
  new aws.sns.TopicSubscription("AlarmEmail", { topic: topic.arn, protocol: "email", endpoint: route.email });
}

/** Where every alarm of the stage goes: the stage's topic, an existing one, or nowhere (development stages). */
export const alarmTopicArn: $util.Output<string> | null = topic
  ? topic.arn
  : route && "topicArn" in route
    ? $output(route.topicArn)
    : null;

/**
 * An alarm of the stage: told to the stage's alarm route when it goes off and again when it is over. Every alarm is
 * made here, so none can miss the route.
 */
export const alarm = (name: string, args: aws.cloudwatch.MetricAlarmArgs): aws.cloudwatch.MetricAlarm => {
  return new aws.cloudwatch.MetricAlarm(name, {
    ...args,
    ...(alarmTopicArn && { alarmActions: [alarmTopicArn], okActions: [alarmTopicArn] }),
  });
};

// Errors and throttles of every Lambda function of the stage, whichever infra file creates it (and whenever: some
// are created inside other resources' outputs): a stack transformation sees each function as it is registered, with
// the physical name SST gave it. A handler answers its own failures (500, 503, error frames), so a Lambda error is a
// crash, a timeout or running out of memory; a throttle is a request or a stream batch Lambda refused.
$transform(aws.lambda.Function, (args, _opts, name) => {
  const dimensions = { FunctionName: args.name as $util.Input<string> };
  const perFiveMinutes = { namespace: "AWS/Lambda", statistic: "Sum", period: 300, dimensions } as const;
  alarm(`${name}ErrorsAlarm`, {
    ...perFiveMinutes,
    alarmDescription: $interpolate`${args.name} failed ${config.alarms.functionErrorCount} or more times in 5 minutes (crash, timeout or out of memory)`,
    metricName: "Errors",
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    threshold: config.alarms.functionErrorCount,
    evaluationPeriods: 1,
    treatMissingData: "notBreaching",
  });
  alarm(`${name}ThrottlesAlarm`, {
    ...perFiveMinutes,
    alarmDescription: $interpolate`${args.name} was throttled ${config.alarms.functionThrottleCount} or more times in 5 minutes (account or reserved concurrency reached)`,
    metricName: "Throttles",
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    threshold: config.alarms.functionThrottleCount,
    evaluationPeriods: 1,
    treatMissingData: "notBreaching",
  });
});
