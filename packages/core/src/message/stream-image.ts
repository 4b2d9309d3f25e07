import { ChatMessage, ReactionFrame } from "@chat/types";
import * as v from "valibot";
import { MessageEntity, storedReactions, toChatMessage } from "./message-entity";

/** The message in a stream record's new image (unmarshalled), or null when the image is not a valid message. */
export const fromStreamImage = (image: Record<string, unknown>): ChatMessage | null => {
  const { data } = MessageEntity.parse({ Item: image });
  if (!data) return null;
  const parsed = v.safeParse(ChatMessage, toChatMessage(data));
  return parsed.success ? parsed.output : null;
};

/** What one change of a message row tells the room. */
export type MessageChange =
  | { type: "message" | "message.updated" | "message.deleted"; message: ChatMessage; at: string }
  | { type: "reaction"; frame: ReactionFrame; at: string };

const lastReactionOf = (image: Record<string, unknown> | undefined): string =>
  JSON.stringify(image?.lastReaction ?? null);

/**
 * Which change of a message row makes which frame (unmarshalled images; one frame per user action):
 * - an INSERT: `message` (a new message);
 * - a MODIFY whose `deletedAt` became set: `message.deleted` (the tombstone);
 * - a MODIFY whose `editedAt` changed: `message.updated`;
 * - a MODIFY whose `lastReaction` changed: `reaction`, with the emoji's count in the new image (0 once gone);
 * - any other MODIFY (a reply count, say): nothing, so counts and other fields never repeat an edit's frame.
 * `invalid`: a record no retry can repair (not a valid message). `at`: when the change happened, for latency.
 */
export const changeOf = (
  eventName: string | undefined,
  newImage: Record<string, unknown> | undefined,
  oldImage: Record<string, unknown> | undefined,
): MessageChange | "invalid" | "unchanged" => {
  const message = newImage && fromStreamImage(newImage);
  if (!message) return "invalid";
  if (eventName === "INSERT") return { type: "message", message, at: message.createdAt };
  if (eventName !== "MODIFY") return "invalid";
  if (message.deletedAt !== null && oldImage?.deletedAt === undefined) {
    return { type: "message.deleted", message, at: message.deletedAt };
  }
  if (message.deletedAt === null && message.editedAt !== null && message.editedAt !== oldImage?.editedAt) {
    return { type: "message.updated", message, at: message.editedAt };
  }
  if (message.deletedAt === null && lastReactionOf(newImage) !== lastReactionOf(oldImage)) {
    const { emoji, userId, event, at } = (newImage?.lastReaction ?? {}) as Record<string, unknown>;
    const frame = v.safeParse(ReactionFrame, {
      type: "reaction",
      roomId: message.roomId,
      messageId: message.id,
      emoji,
      userId,
      event,
      count: typeof emoji === "string" ? (storedReactions(newImage?.reactions).get(emoji)?.count ?? 0) : 0,
    });
    return frame.success ? { type: "reaction", frame: frame.output, at: String(at) } : "invalid";
  }
  return "unchanged";
};
