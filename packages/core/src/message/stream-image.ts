import { ChatMessage } from "@chat/types";
import * as v from "valibot";
import { MessageEntity, toChatMessage } from "./message-entity";

/** The message in a stream record's new image (unmarshalled), or null when the image is not a valid message. */
export const fromStreamImage = (image: Record<string, unknown>): ChatMessage | null => {
  const { data } = MessageEntity.parse({ Item: image });
  if (!data) return null;
  const parsed = v.safeParse(ChatMessage, toChatMessage(data));
  return parsed.success ? parsed.output : null;
};
