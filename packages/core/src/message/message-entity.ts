import type { ChatMessage } from "@chat/types";
import type { EntityItem } from "electrodb";
import { Entity, entityConfig, keys } from "../entity";

/** Messages by room, sorted by id: a page of history is one Query. */
export const MessageEntity = new Entity(
  {
    model: { entity: "message", service: "chat", version: "1" },
    attributes: {
      roomId: { type: "string", required: true },
      id: { type: "string", required: true },
      userId: { type: "string", required: true },
      username: { type: "string", required: true },
      text: { type: "string", required: true },
      createdAt: { type: "string", required: true },
      clientMessageId: { type: "string" },
    },
    indexes: {
      byRoom: keys.primary(["roomId"], ["id"]),
    },
  },
  entityConfig(),
);

export type MessageItem = EntityItem<typeof MessageEntity>;

/** The stored item as the wire's `ChatMessage`. */
export const toChatMessage = (item: MessageItem): ChatMessage => ({
  id: item.id,
  roomId: item.roomId,
  userId: item.userId,
  username: item.username,
  text: item.text,
  createdAt: item.createdAt,
  clientMessageId: item.clientMessageId ?? null,
});
