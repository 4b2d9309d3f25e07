import { beforeFirstUse } from "@chat/core/first-use";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { retryLater } from "../integrations/webhook-queue";
import {
  maxDeliveryAttempts,
  post,
  retryDelaysSeconds,
  type WebhookDelivery,
} from "../integrations/webhooks";
import { flushMetrics, logger, MetricUnit, metrics } from "../observability";

/**
 * The webhook deliverer, fed by the webhook queue (SQS, `ReportBatchItemFailures`): POSTs each delivery, signed.
 * A 2xx deletes it; anything else (or no answer within 10 s) makes it visible again after its backoff (the first
 * retry within 10 s, then growing, about 24 h in all), and SQS moves it to the failure queue after
 * `maxDeliveryAttempts` attempts. Every attempt of one event carries the same `webhook-id`.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  await beforeFirstUse(); // the logger, the metrics
  const failures: SQSBatchResponse["batchItemFailures"] = [];
  try {
    await Promise.all(
      event.Records.map(async (record) => {
        const delivery = JSON.parse(record.body) as WebhookDelivery;
        const attempt = Number(record.attributes.ApproximateReceiveCount);
        const log = logger.child({ eventId: delivery.event.id, type: delivery.event.type, attempt });
        const started = Date.now();
        const { ok, status } = await post(delivery);
        metrics.addMetric(ok ? "WebhookDeliveries" : "WebhookFailures", MetricUnit.Count, 1);
        if (ok) {
          metrics.addMetric(
            "WebhookLatency",
            MetricUnit.Milliseconds,
            Date.now() - Date.parse(delivery.event.createdAt),
          );
          log.info({ status, durationMs: Date.now() - started }, "webhook delivered");
          return;
        }
        // After the last attempt the message stays visible at once: SQS's next receive moves it to the failure queue.
        const delay = attempt >= maxDeliveryAttempts ? 0 : (retryDelaysSeconds[attempt - 1] ?? 0);
        log.warn(
          { status, retryInSeconds: delay, lastAttempt: attempt >= maxDeliveryAttempts },
          "webhook failed",
        );
        await retryLater(record.receiptHandle, delay).catch((error: unknown) =>
          log.error(
            { err: error },
            "could not reschedule the delivery (the queue's visibility timeout applies)",
          ),
        );
        failures.push({ itemIdentifier: record.messageId });
      }),
    );
  } finally {
    flushMetrics();
  }
  return { batchItemFailures: failures };
};
