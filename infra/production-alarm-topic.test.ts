import { describe, expect, it } from "vitest";
import { planDeploy } from "./test/deploy-plan";
import { Types } from "./test/plan-queries";

// Its own file: each runs in its own process, and Pulumi's runtime state is global to a process.
describe("planning a production stage whose alarms go to an existing SNS topic", () => {
  it("sends every alarm to that topic and makes no topic of its own", async () => {
    const topicArn = "arn:aws:sns:us-east-1:123456789012:pager-duty";
    Object.assign(process.env, {
      CHAT_JWT_ISSUER: "https://auth.example.com",
      CHAT_JWT_AUDIENCE: "chat-api",
      CHAT_CORS_ORIGINS: "https://chat.example.com",
      CHAT_ALARM_TOPIC_ARN: topicArn,
    });

    const plan = await planDeploy("production");

    const alarms = plan.resources.filter((resource) => resource.type === Types.alarm);
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm.inputs.alarmActions, alarm.name).toEqual([topicArn]);
      expect(alarm.inputs.okActions, alarm.name).toEqual([topicArn]);
    }
    expect(plan.resources.filter((resource) => resource.type === Types.topic)).toEqual([]);
    // Planning the whole app takes tens of seconds on a busy machine.
  }, 180_000);
});
