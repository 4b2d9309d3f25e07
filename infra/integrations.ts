import { Resources } from "@chat/core/resources";
import { maxDeliveryAttempts } from "@chat/functions/integrations/webhooks";
import { integrations as consumer, webhookDeliverer } from "@chat/functions/routes";
import { handlerFunction, streamSubscription } from "./handler";
import { vapid } from "./push-keys";
import { settings } from "./settings";
import { stageConfig } from "./stage-config";
import { table } from "./storage";

const config = stageConfig($app.stage);
const { webhooks } = config.settings.integrations;

/**
 * Webhook deliveries that failed every attempt (about 24 h of retries): kept 14 days for inspection or redrive.
 */
export const webhookFailures = new sst.aws.Queue("WebhookFailureQueue", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 } },
});

/**
 * The webhook deliveries, one message per (event, endpoint). The deliverer reschedules a failed one with
 * `ChangeMessageVisibility` (its backoff: 5 s, 30 s, 2 min... 8 h); after `maxDeliveryAttempts` receives SQS moves it
 * to the failure queue. Messages are kept 2 days, past the 24 h of retries. The visibility timeout (used only if
 * the deliverer dies mid-delivery) outlasts its 15 s function timeout.
 */
export const webhookQueue = new sst.aws.Queue(Resources.WebhookQueue, {
  visibilityTimeout: "30 seconds",
  dlq: { queue: webhookFailures.arn, retry: maxDeliveryAttempts },
  transform: { queue: { messageRetentionSeconds: 2 * 24 * 60 * 60 } },
});

/**
 * The queue as a handler is linked to it: its URL (`Resource.WebhookQueue.url`) and only `actions` on it, instead
 * of the `sqs:*` linking the queue itself grants.
 */
const scopedQueue = (actions: string[]) => ({
  urn: webhookQueue.urn,
  getSSTLink: () => ({
    properties: webhookQueue.getSSTLink().properties,
    include: actions.length > 0 ? [sst.aws.permission({ actions, resources: [webhookQueue.arn] })] : [],
  }),
});

/** Each endpoint's signing key (`whsec_...`): `sst secret set <name> whsec_...` per stage. */
const webhookSecrets = [...new Set(webhooks.map((endpoint) => endpoint.secret))].map(
  (name) => new sst.Secret(name),
);

/**
 * The integrations consumer: a second event source mapping on the table's stream (a stream shard serves two
 * readers), filtered to the rows that make events. It queues webhook deliveries (`sqs:SendMessage` only) and sends
 * Web Push. Same retry policy as the broadcaster, failing records kept in its own queue.
 */
export const integrationsFailures = new sst.aws.Queue("IntegrationsFailureQueue", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 } },
});

const consumerArgs = handlerFunction(
  config,
  consumer.handler,
  "broadcaster",
  { table, settings },
  {
    // Lambda sends the failure record with the function's own role.
    permissions: [{ actions: ["sqs:SendMessage"], resources: [integrationsFailures.arn] }],
  },
);

export const integrationsSubscriber = table.subscribe(
  "Integrations",
  {
    ...consumerArgs,
    link: [
      ...(consumerArgs.link as unknown[]),
      scopedQueue(["sqs:SendMessage"]),
      ...(vapid ? [vapid.publicKey, vapid.privateKey] : []),
    ],
  },
  streamSubscription(
    config,
    [...consumer.filters] as unknown as Record<string, unknown>[],
    integrationsFailures.arn,
  ),
);

/**
 * The deliverer, fed by the webhook queue with partial batch responses; the subscription grants it what SQS's
 * event source needs (receive, delete, change visibility). It reads no table.
 */
export const deliverer = webhookQueue.subscribe(
  {
    ...handlerFunction(config, webhookDeliverer, "http", { table, settings }),
    link: [settings, scopedQueue([]), ...webhookSecrets],
  },
  { batch: { size: 10, window: "0 seconds", partialResponses: true } },
);
