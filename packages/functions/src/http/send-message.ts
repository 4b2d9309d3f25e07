import { RoomPath, SendMessageRequest, type SendMessageResponse } from "@chat/types";
import { http } from "../edge/http";
import { assertSameUser } from "../edge/identity";
import { sendMessage } from "../use-cases/send-message";

export const handler = http(
  { params: RoomPath, body: SendMessageRequest },
  async ({ params, body, identity, log }) => {
    assertSameUser(identity, body.userId);
    const { message, created } = await sendMessage({ ...body, roomId: params.roomId }, log);
    return { status: created ? 201 : 200, body: { message } satisfies SendMessageResponse };
  },
);
