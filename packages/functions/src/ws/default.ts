import { ClientFrame } from "@chat/types";
import { parseJson, validate } from "../edge/input";
import { frames, reply } from "../edge/socket";

export const handler = frames(async (request) => {
  const frame = validate(ClientFrame, parseJson(request.body), "frame");
  switch (frame.type) {
    case "ping":
      return reply(request, { type: "pong", timestamp: new Date().toISOString() });
  }
});
