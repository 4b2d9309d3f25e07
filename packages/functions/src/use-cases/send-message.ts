import * as Message from "@chat/core/message";
import * as RateLimit from "@chat/core/rate-limit";
import { type Logger, MetricUnit, metrics } from "../observability";
import { config } from "../runtime-config";

/**
 * Sending a message, whichever edge it came through (REST or the socket): the sender's rate limit, the store
 * (idempotent by `clientMessageId`), the log line and the metrics.
 */
export const sendMessage = async (input: Message.SendInput, log: Logger): Promise<Message.SendResult> => {
  await RateLimit.hit({ scope: "send", subject: input.userId, max: config.settings.limits.sendsPerMinute });
  const result = await Message.send(input);
  const { message, created } = result;
  log.info(
    { messageId: message.id, roomId: message.roomId, created },
    created ? "message stored" : "idempotent replay",
  );
  if (created) {
    metrics.addMetric("MessagesPosted", MetricUnit.Count, 1);
    metrics.addMetric("MessageLength", MetricUnit.Count, [...message.text].length);
  }
  return result;
};
