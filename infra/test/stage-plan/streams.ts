import { maxDeliveryAttempts } from "@chat/functions/integrations/webhooks";
import { broadcaster, fanOutWorker, integrations, webhookDeliverer } from "@chat/functions/routes";
import { expect, it } from "vitest";
import { allows } from "../plan-queries";
import type { StagePlanContext } from "./context";

/** Fan-out and integrations: the stream consumers, the webhook and fan-out queues, their failure queues. */
export const describeStreams = (ctx: StagePlanContext) => {
  const { config } = ctx;

  it("feeds the broadcaster only message INSERTs and MODIFYs, in bisected batches with bounded retries", () => {
    const mapping = ctx.q.mappingOf(broadcaster.handler);
    expect(ctx.q.functionByArn(mapping.inputs.functionName).module).toBe(broadcaster.handler);
    expect(mapping.inputs.eventSourceArn).toMatch(/:table\/.+\/stream\//);
    const { filters } = mapping.inputs.filterCriteria as { filters: { pattern: string }[] };
    expect(filters.map((filter) => JSON.parse(filter.pattern))).toEqual([broadcaster.filter]);
    expect(mapping.inputs).toMatchObject({
      startingPosition: "LATEST",
      batchSize: config.stream.batchSize,
      maximumBatchingWindowInSeconds: config.stream.batchingWindowSeconds,
      bisectBatchOnFunctionError: true,
      functionResponseTypes: ["ReportBatchItemFailures"],
      maximumRetryAttempts: config.stream.maximumRetryAttempts,
      maximumRecordAgeInSeconds: config.stream.maximumRecordAgeSeconds,
    });
    // -1 means "retry until the record expires" (up to a day): a poisoned shard would stall every room on it.
    expect(mapping.inputs.maximumRetryAttempts).toBeGreaterThanOrEqual(0);
    expect(mapping.inputs.maximumRetryAttempts).toBeLessThanOrEqual(10);
    expect(mapping.inputs.maximumRecordAgeInSeconds).toBeGreaterThanOrEqual(60);
    expect(mapping.inputs.maximumRecordAgeInSeconds).toBeLessThanOrEqual(3600);
  });

  it("sends records the broadcaster gives up on to a queue it may write to, kept for 14 days", () => {
    const mapping = ctx.q.mappingOf(broadcaster.handler);
    const queue = ctx.q.queueNamed("BroadcastFailureQueue");
    const queueArn = `:${queue.name}`;
    const destination = (mapping.inputs.destinationConfig as { onFailure: { destinationArn: string } })
      .onFailure;
    expect(destination.destinationArn).toMatch(new RegExp(`^arn:aws:sqs:.*${queueArn}$`));
    expect(queue.inputs.messageRetentionSeconds).toBe(14 * 24 * 60 * 60);
    const fn = ctx.q.functionByArn(mapping.inputs.functionName);
    expect(allows(fn.statements, "sqs:SendMessage").flatMap((s) => s.resources)).toEqual([
      destination.destinationArn,
    ]);
  });

  it("reads the stream a second time for integrations: the rows that make webhook events, its own failure queue", () => {
    const mapping = ctx.q.mappingOf(integrations.handler);
    expect(mapping.inputs.eventSourceArn).toMatch(/:table\/.+\/stream\//);
    const { filters } = mapping.inputs.filterCriteria as { filters: { pattern: string }[] };
    expect(filters.map((filter) => JSON.parse(filter.pattern))).toEqual(integrations.filters);
    expect(mapping.inputs).toMatchObject({
      bisectBatchOnFunctionError: true,
      functionResponseTypes: ["ReportBatchItemFailures"],
      maximumRetryAttempts: config.stream.maximumRetryAttempts,
    });
    const failures = ctx.q.queueNamed("IntegrationsFailureQueue");
    const destination = (mapping.inputs.destinationConfig as { onFailure: { destinationArn: string } })
      .onFailure;
    expect(destination.destinationArn).toMatch(new RegExp(`:${failures.name}$`));
    // It may send to exactly two queues: the webhook queue, and its own failure queue (Lambda writes there).
    const consumer = ctx.q.functionByArn(mapping.inputs.functionName);
    const sendsTo = allows(consumer.statements, "sqs:SendMessage").flatMap(
      (statement) => statement.resources,
    );
    expect(sendsTo).toHaveLength(2);
    expect(sendsTo).toContain(destination.destinationArn);
    expect(sendsTo.some((arn) => arn.endsWith(`:${ctx.q.queueNamed("WebhookQueue").name}`))).toBe(true);
    expect(
      consumer.statements.flatMap((statement) => statement.actions).filter((a) => a.startsWith("sqs:")),
    ).toEqual(["sqs:SendMessage", "sqs:SendMessage"]);
  });

  it("delivers webhooks from a queue that moves a delivery to its failure queue after the last retry", () => {
    const queue = ctx.q.queueNamed("WebhookQueue");
    const failures = ctx.q.queueNamed("WebhookFailureQueue");
    const redrive = JSON.parse(String(queue.inputs.redrivePolicy)) as {
      deadLetterTargetArn: string;
      maxReceiveCount: number;
    };
    expect(redrive.maxReceiveCount).toBe(maxDeliveryAttempts);
    expect(redrive.deadLetterTargetArn).toMatch(new RegExp(`:${failures.name}$`));
    // Kept past the 24 h of retries; failures kept 14 days.
    expect(Number(queue.inputs.messageRetentionSeconds)).toBeGreaterThan(24 * 60 * 60);
    expect(failures.inputs.messageRetentionSeconds).toBe(14 * 24 * 60 * 60);
    const mapping = ctx.q.mappingOf(webhookDeliverer);
    expect(mapping.inputs.eventSourceArn).toMatch(new RegExp(`:${queue.name}$`));
    expect(mapping.inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    // The deliverer receives, deletes and reschedules on its queue only, and sends nowhere.
    const deliverer = ctx.q.functionByArn(mapping.inputs.functionName);
    expect(allows(deliverer.statements, "sqs:ChangeMessageVisibility").flatMap((s) => s.resources)).toEqual([
      expect.stringMatching(`:${queue.name}$`),
    ]);
    expect(allows(deliverer.statements, "sqs:SendMessage")).toEqual([]);
    expect(deliverer.statements.flatMap((statement) => statement.actions)).not.toContain("sqs:*");
  });

  it("hands big rooms to a fan-out worker: only the broadcaster and the worker itself may invoke it", () => {
    const worker = ctx.q.functions.find((fn) => fn.module === fanOutWorker);
    // The mocks' ARN of a Lambda function ends with its resource name.
    const workerArn = `arn:aws:lambda:us-east-1:123456789012:${worker?.lambda.name}`;
    const invokers = ctx.q.functions.filter(
      (fn) => allows(fn.statements, "lambda:InvokeFunction").length > 0,
    );
    expect(invokers.map((fn) => fn.module)).toEqual([broadcaster.handler]);
    expect(allows(invokers[0]?.statements ?? [], "lambda:InvokeFunction")).toEqual([
      { effect: "Allow", actions: ["lambda:InvokeFunction"], resources: [workerArn] },
    ]);
    // Its own hand-offs: a policy on its own role naming only its own ARN.
    const selfInvoke = ctx.q.one("aws:iam/rolePolicy:RolePolicy", "FanOutWorkerInvokesItself");
    expect(selfInvoke.inputs.role).toBe(worker?.role.inputs.name);
    expect(JSON.parse(String(selfInvoke.inputs.policy))).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [workerArn] }],
    });
  });

  it("retries a fan-out invocation twice at most and sends the ones still failing to the failure queue", () => {
    const worker = ctx.q.functions.find((fn) => fn.module === fanOutWorker);
    const invokeConfig = ctx.q.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    const queue = ctx.q.queueNamed("BroadcastFailureQueue");
    expect(invokeConfig.inputs).toMatchObject({
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: config.stream.maximumRecordAgeSeconds,
    });
    const destination = (invokeConfig.inputs.destinationConfig as { onFailure: { destination: string } })
      .onFailure;
    expect(destination.destination).toMatch(new RegExp(`^arn:aws:sqs:.*:${queue.name}$`));
    expect(allows(worker?.statements ?? [], "sqs:SendMessage").flatMap((s) => s.resources)).toEqual([
      destination.destination,
    ]);
    expect(worker?.lambda.inputs.timeout).toBe(60);
  });
};
