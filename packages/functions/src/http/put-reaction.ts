import { Reaction } from "@chat/core/message";
import * as Room from "@chat/core/room";
import { Limits, ReactionPath } from "@chat/types";
import * as v from "valibot";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "addReaction",
  summary: "React to a message with an emoji",
  description:
    "Readers who may post (banned and muted users are refused). Idempotent: a second add counts once. `emoji` is " +
    `the URL-encoded path segment: 1 to ${Limits.emojiMaxLength} code points, no whitespace or control characters. ` +
    `At most ${Limits.reactionsPerMessage} distinct emoji per message and ${Limits.reactionsPerUserPerMessage} per ` +
    "user per message (400 past either). 404 no such message, 409 deleted. The room's connections get a `reaction` frame.",
  params: ReactionPath,
  responses: { 204: { schema: v.null(), description: "The caller has this reaction" } },
  errors: ["validation_failed", "forbidden", "not_found", "conflict", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId, messageId, emoji } = request.params;
  const caller = callerOf(request);
  await Room.check("post", roomId, caller);
  await Reaction.add({ roomId, messageId, emoji, userId: caller.userId, username: caller.username });
  return { status: 204, body: null };
});
