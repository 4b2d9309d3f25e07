import * as v from "valibot";
import { MessageId, RoomId, Timestamp, UserId } from "./fields";
import { Limits } from "./limits";

/** How many unread messages are counted at most: `unreadCount` 100 means "100 or more". */
const UnreadCount = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Limits.unreadMaxCount));

/** Body of `PUT /rooms/{roomId}/read`: the newest message the caller has seen. Unknown keys are refused. */
export const MarkReadRequest = v.strictObject({ messageId: MessageId });
export type MarkReadRequest = v.InferOutput<typeof MarkReadRequest>;

/**
 * The caller's read cursor in a room after `PUT /rooms/{roomId}/read` (it never moves back: an older id answers
 * the current state) and how many messages after it are unread (not the caller's own, not deleted; up to 100).
 */
export const MarkReadResponse = v.object({
  roomId: RoomId,
  lastReadId: MessageId,
  unreadCount: UnreadCount,
});
export type MarkReadResponse = v.InferOutput<typeof MarkReadResponse>;

/** One user's read cursor in a room. */
export const ReadReceipt = v.object({ userId: UserId, lastReadId: MessageId, readAt: Timestamp });
export type ReadReceipt = v.InferOutput<typeof ReadReceipt>;

/** `GET /rooms/{roomId}/reads`: the read cursors of the room's readers, by user id (rooms of up to 100 readers). */
export const ReadsResponse = v.object({ roomId: RoomId, reads: v.array(ReadReceipt) });
export type ReadsResponse = v.InferOutput<typeof ReadsResponse>;

/** Fields `GET /me/rooms` items gain: the caller's read cursor (null before the first read) and the unread count. */
export const ReadState = v.object({ lastReadId: v.nullable(MessageId), unreadCount: UnreadCount });
export type ReadState = v.InferOutput<typeof ReadState>;
