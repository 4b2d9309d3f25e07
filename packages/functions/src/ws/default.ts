import * as RateLimit from "@chat/core/rate-limit";
import { ClientFrame } from "@chat/types";
import { config } from "../config";
import { parseJson, validate } from "../edge/input";
import { frames, reply } from "../edge/socket";

export const handler = frames(async (request) => {
  const max = config.settings.limits.framesPerMinute;
  await RateLimit.hit({ scope: "frame", subject: request.connectionId, max });
  const frame = validate(ClientFrame, parseJson(request.body), "frame");
  switch (frame.type) {
    case "ping":
      return reply(request, { type: "pong", timestamp: new Date().toISOString() });
  }
});
