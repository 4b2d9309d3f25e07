import * as Message from "@chat/core/message";
import * as RateLimit from "@chat/core/rate-limit";
import * as Room from "@chat/core/room";
import { type Logger, MetricUnit, metrics } from "../observability";
import { config } from "../runtime-config";

/**
 * Sending a message, whichever edge it came through (REST or the socket): the sender's rate limit, whether they may
 * post to the room (`Room.preparePost`: creates an unknown room with them as owner, makes a first poster to a
 * public room a member; banned, muted and outsiders of private and direct rooms are refused), the store
 * (idempotent by `clientMessageId`), the log line and the metrics.
 */
export const sendMessage = async (
  input: Message.SendInput,
  log: Logger,
  { admin = false }: { admin?: boolean } = {},
): Promise<Message.SendResult> => {
  // The rate limit and the room's access read go out together: one round trip, not two, before the store.
  const rateLimit = RateLimit.hit({
    scope: "send",
    subject: input.userId,
    max: config.settings.limits.sendsPerMinute,
  });
  await Room.preparePost(
    input.roomId,
    { userId: input.userId, username: input.username, admin },
    { alongside: rateLimit },
  );
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
