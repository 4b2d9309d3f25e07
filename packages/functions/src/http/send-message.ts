import { Message } from "@chat/core";
import { RoomPath, SendMessageRequest, type SendMessageResponse } from "@chat/types";
import { http } from "../edge/http";
import { MetricUnit, metrics } from "../observability";

export const handler = http({ params: RoomPath, body: SendMessageRequest }, async ({ params, body, log }) => {
  const { message, created } = await Message.send({ ...body, roomId: params.roomId });
  log.info({ messageId: message.id, created }, created ? "message stored" : "idempotent replay");
  if (created) {
    metrics.addMetric("MessagesPosted", MetricUnit.Count, 1);
    metrics.addMetric("MessageLength", MetricUnit.Count, [...message.text].length);
  }
  return { status: created ? 201 : 200, body: { message } satisfies SendMessageResponse };
});
