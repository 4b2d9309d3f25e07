import * as Blocklist from "@chat/core/blocklist";
import * as Message from "@chat/core/message";
import * as RateLimit from "@chat/core/rate-limit";
import * as Room from "@chat/core/room";
import { Limits } from "@chat/types";
import { moderate } from "../integrations/moderation";
import { type Logger, MetricUnit, metrics } from "../observability";
import { config } from "../runtime-config";

/**
 * Sending a message, whichever edge it came through (REST or the socket): the sender's rate limit, whether they may
 * post to the room (`Room.preparePost`: creates an unknown room with them as owner, makes a first poster to a
 * public room a member; banned, muted and outsiders of private and direct rooms are refused), the room's slow
 * mode, moderation (the room's blocklist, then the stage's hook; a replay of an accepted send skips both), the store
 * (idempotent by `clientMessageId`), the log line and the metrics.
 */
export const sendMessage = async (
  input: Message.SendInput,
  log: Logger,
  { admin = false }: { admin?: boolean } = {},
): Promise<Message.SendResult> => {
  // The rate limit and the room's access read (with its blocklist) go out together: one round trip before the
  // store.
  const rateLimit = RateLimit.hit({
    scope: "send",
    subject: input.userId,
    max: config.settings.limits.sendsPerMinute,
  });
  const access = await Room.preparePost(
    input.roomId,
    { userId: input.userId, username: input.username, admin },
    { alongside: rateLimit },
  );
  // Slow mode and moderation both let a repeat of an accepted send through: one read of its key serves both.
  let repeat: Promise<boolean> | undefined;
  const isRepeat = () => {
    repeat ??= Message.isRepeat(input);
    return repeat;
  };
  await slowMode(input, access, admin, isRepeat);
  const result = await Message.send(await moderated(input, access.blocklist, isRepeat, log));
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

/**
 * The input to store once moderation passed it: the room's blocklist `words` and the hook, when the stage has one,
 * may refuse it (422 `blocked`) or replace its text. A repeat of an accepted send is returned as it is (the store
 * then answers the replay) so that the hook is not asked twice.
 */
const moderated = async (
  input: Message.SendInput,
  words: string[],
  isRepeat: () => Promise<boolean>,
  log: Logger,
): Promise<Message.SendInput> => {
  const hook = config.settings.integrations.moderation;
  if (!hook && words.length === 0) return input;
  if (await isRepeat()) return input;
  Blocklist.assertAllowed(input.text, words);
  if (!hook) return input;
  const { text } = await moderate(
    hook,
    { roomId: input.roomId, userId: input.userId, text: input.text, parentId: input.parentId ?? null },
    log,
  );
  return { ...input, text };
};

/**
 * A room in slow mode lets each user below moderator (stage admins are owners) post once per `slowModeSeconds`:
 * one conditional write per (room, user), so two posts at the same instant cannot both pass. A repeat of an accepted
 * send (its `clientMessageId`) is let through to be answered with the first message.
 */
const slowMode = async (
  input: Message.SendInput,
  access: Room.PostAccess,
  admin: boolean,
  isRepeat: () => Promise<boolean>,
): Promise<void> => {
  const seconds = access.room?.slowModeSeconds ?? 0;
  const role = access.membership?.role;
  if (seconds <= 0 || admin || role === "owner" || role === "moderator") return;
  if (await isRepeat()) return;
  await RateLimit.pace({
    scope: `slow:${input.roomId}`,
    subject: input.userId,
    intervalMs: Math.min(seconds, Limits.slowModeMaxSeconds) * 1000,
    message: `This room is in slow mode: one message per ${seconds} s`,
  });
};
