import { Reaction } from "@chat/core/message";
import * as Room from "@chat/core/room";
import { ReactionPath } from "@chat/types";
import * as v from "valibot";
import { http, type Operation } from "../edge/http";
import { callerOf } from "../edge/identity";

export const operation = {
  operationId: "removeReaction",
  summary: "Take back one's reaction to a message",
  description:
    "Readers who may post. Idempotent: removing a reaction one does not have changes nothing. 404 no such message, " +
    "409 deleted. The room's connections get a `reaction` frame when a reaction was removed.",
  params: ReactionPath,
  responses: { 204: { schema: v.null(), description: "The caller no longer has this reaction" } },
  errors: ["validation_failed", "forbidden", "not_found", "conflict", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId, messageId, emoji } = request.params;
  const caller = callerOf(request);
  await Room.check("post", roomId, caller);
  await Reaction.remove({ roomId, messageId, emoji, userId: caller.userId, username: caller.username });
  return { status: 204, body: null };
});
