import * as Message from "@chat/core/message";
import * as RateLimit from "@chat/core/rate-limit";
import { RoomPath, SendMessageRequest, type SendMessageResponse } from "@chat/types";
import { http } from "../edge/http";
import { assertSameUser } from "../edge/identity";
import { MetricUnit, metrics } from "../observability";
import { config } from "../runtime-config";

export const handler = http(
  { params: RoomPath, body: SendMessageRequest },
  async ({ params, body, identity, log }) => {
    assertSameUser(identity, body.userId);
    await RateLimit.hit({ scope: "send", subject: body.userId, max: config.settings.limits.sendsPerMinute });
    const { message, created } = await Message.send({ ...body, roomId: params.roomId });
    log.info({ messageId: message.id, created }, created ? "message stored" : "idempotent replay");
    if (created) {
      metrics.addMetric("MessagesPosted", MetricUnit.Count, 1);
      metrics.addMetric("MessageLength", MetricUnit.Count, [...message.text].length);
    }
    return { status: created ? 201 : 200, body: { message } satisfies SendMessageResponse };
  },
);
