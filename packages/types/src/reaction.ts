import * as v from "valibot";
import { Emoji, MessageId, RoomId, Timestamp, UserId, Username } from "./fields";

/** Path parameters of `/rooms/{roomId}/messages/{messageId}/reactions/{emoji}` (the emoji URL-decoded). */
export const ReactionPath = v.object({ roomId: RoomId, messageId: MessageId, emoji: Emoji });
export type ReactionPath = v.InferOutput<typeof ReactionPath>;

/** One user who reacted with an emoji. */
export const ReactionUser = v.object({ userId: UserId, username: Username, reactedAt: Timestamp });
export type ReactionUser = v.InferOutput<typeof ReactionUser>;

/** `GET /rooms/{roomId}/messages/{messageId}/reactions/{emoji}`: a page of who reacted, by user id. */
export const ReactionUsersResponse = v.object({
  users: v.array(ReactionUser),
  nextCursor: v.nullable(v.string()),
});
export type ReactionUsersResponse = v.InferOutput<typeof ReactionUsersResponse>;
