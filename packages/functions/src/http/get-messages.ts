import * as Message from "@chat/core/message";
import { GetMessagesQuery, type GetMessagesResponse, RoomPath } from "@chat/types";
import { http } from "../edge/http";

export const handler = http({ params: RoomPath, query: GetMessagesQuery }, async ({ params, query }) => {
  const { messages, hasMore } = await Message.list(params.roomId, query);
  return { status: 200, body: { roomId: params.roomId, messages, hasMore } satisfies GetMessagesResponse };
});
