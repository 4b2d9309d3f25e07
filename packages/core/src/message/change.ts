import type { ChatMessage } from "@chat/types";
import { AppError, isConditionalCheckFailure, storage } from "../error";
import { accessOf, load } from "../room/access";
import { authorize, type Caller } from "../room/policy";
import { MessageEntity, type MessageItem, toChatMessage } from "./message-entity";

const notFound = () => new AppError("not_found", "No such message in this room");
const deleted = () => new AppError("conflict", "This message is deleted");

/** A message as stored now (a strongly consistent GetItem: 1 RCU), or null. */
export const current = async (roomId: string, messageId: string): Promise<MessageItem | null> => {
  const { data } = await MessageEntity.get({ roomId, id: messageId }).go({ consistent: true });
  return data ?? null;
};

/**
 * Edits a message's text: its author only (the caller's right to post is the edge's check). One conditional
 * UpdateItem (author matches, not deleted: a concurrent delete is never overwritten), ~1 WCU for a message under
 * 1 KB; a refusal reads the message once (1 RCU) to say why: 404 `not_found`, 403 `forbidden`, 409 `conflict`.
 */
export const edit = (roomId: string, messageId: string, userId: string, text: string): Promise<ChatMessage> =>
  storage(async () => {
    const editedAt = new Date().toISOString();
    try {
      const { data } = await MessageEntity.patch({ roomId, id: messageId })
        .set({ text, editedAt })
        .where(
          ({ userId: author, deletedAt }, { eq, notExists }) =>
            `${eq(author, userId)} AND ${notExists(deletedAt)}`,
        )
        .go({ response: "all_new" });
      return toChatMessage(data as MessageItem);
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      const message = await current(roomId, messageId);
      if (!message) throw notFound();
      if (message.userId !== userId) throw new AppError("forbidden", "Only its author may edit a message");
      if (message.deletedAt !== undefined) throw deleted();
      throw new AppError("unavailable", "Storage is busy, please retry");
    }
  });

/**
 * Deletes a message, leaving a tombstone in its place (`text` "", `deletedAt` set, no reactions): its author, or a
 * moderator or owner of the room. The message read (1 RCU), the access read (one BatchGetItem of the room and the
 * caller's rows, 1.5 RCU) and one UpdateItem conditional on it not being deleted yet (~1 WCU). Deleting a deleted
 * message writes nothing and answers the same tombstone (same `deletedAt`).
 */
export const remove = (roomId: string, messageId: string, caller: Caller): Promise<ChatMessage> =>
  storage(async () => {
    const message = await current(roomId, messageId);
    if (!message) throw notFound();
    authorize("deleteMessage", {
      ...accessOf(await load(roomId, [caller.userId]), caller),
      caller,
      target: { userId: message.userId, membership: null },
    });
    if (message.deletedAt !== undefined) return toChatMessage(message);
    try {
      const { data } = await MessageEntity.patch({ roomId, id: messageId })
        .set({ text: "", deletedAt: new Date().toISOString() })
        .remove(["reactions"])
        .where(({ deletedAt }, { notExists }) => notExists(deletedAt))
        .go({ response: "all_new" });
      return toChatMessage(data as MessageItem);
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      // Deleted meanwhile by someone else: theirs is the tombstone.
      const tombstone = await current(roomId, messageId);
      if (!tombstone) throw notFound();
      return toChatMessage(tombstone);
    }
  });
