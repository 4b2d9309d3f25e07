import { AppError, Connection, Message, RateLimit } from "@chat/core";
import { ClientFrame, ClientMessageId, type SendFrame } from "@chat/types";
import * as v from "valibot";
import { config } from "../config";
import { mapError } from "../edge/errors";
import { parseJson, validate } from "../edge/input";
import { type FrameRequest, frames, reply } from "../edge/socket";
import { fanOut } from "../fan-out";
import { MetricUnit, metrics } from "../observability";

// Typing notices are forwarded at most once per user per this interval.
const TYPING_INTERVAL_MS = 2_000;

export const handler = frames(async (request) => {
  const { connectionId } = request;
  await RateLimit.hit({ scope: "frame", subject: connectionId, max: config.settings.limits.framesPerMinute });
  const raw = parseJson(request.body);
  let frame: ClientFrame;
  try {
    frame = validate(ClientFrame, raw, "frame");
  } catch (error) {
    // A refused `send` still names its clientMessageId, so the client can mark that message as failed.
    const clientMessageId = sendFrameId(raw);
    if (clientMessageId === null) throw error;
    return reply(request, { type: "error", clientMessageId, error: mapError(error, request.log).body });
  }
  if (frame.type === "ping") return reply(request, { type: "pong", timestamp: new Date().toISOString() });

  const session = await Connection.session(connectionId);
  if (!session) throw new AppError("unauthorized", "This connection is not registered; reconnect");
  switch (frame.type) {
    case "send":
      return send(request, session, frame);
    case "subscribe": {
      const joined = await Connection.subscribe(session, frame.roomId);
      await reply(request, { type: "subscribed", roomId: frame.roomId });
      if (joined)
        await fanOut(frame.roomId, { type: "presence", event: "join", ...joined }, request.log, {
          except: connectionId,
        });
      return;
    }
    case "unsubscribe": {
      const left = await Connection.unsubscribe(session, frame.roomId);
      await reply(request, { type: "unsubscribed", roomId: frame.roomId });
      if (left) await fanOut(frame.roomId, { type: "presence", event: "leave", ...left }, request.log);
      return;
    }
    case "typing":
      return typing(request, session, frame.roomId);
  }
});

const sendFrameId = (raw: unknown): string | null => {
  if (typeof raw !== "object" || raw === null || (raw as { type?: unknown }).type !== "send") return null;
  const parsed = v.safeParse(ClientMessageId, (raw as { clientMessageId?: unknown }).clientMessageId);
  return parsed.success ? parsed.output : null;
};

/** A message sent over the socket: stored exactly like a REST send, then acknowledged to this connection. */
const send = async (request: FrameRequest, session: Connection.Session, frame: SendFrame) => {
  const clientMessageId = frame.clientMessageId ?? null;
  try {
    const { userId, username } = session;
    await RateLimit.hit({ scope: "send", subject: userId, max: config.settings.limits.sendsPerMinute });
    const { message, created } = await Message.send({ ...frame, userId, username });
    request.log.info({ messageId: message.id, created }, created ? "message stored" : "idempotent replay");
    if (created) metrics.addMetric("MessagesPosted", MetricUnit.Count, 1);
    await reply(request, { type: "ack", clientMessageId, message });
  } catch (error) {
    await reply(request, { type: "error", clientMessageId, error: mapError(error, request.log).body });
  }
};

/** Relays "typing" to the room's other connections: only from a subscriber, at most once per user per interval. */
const typing = async (request: FrameRequest, session: Connection.Session, roomId: string) => {
  const { userId, username, connectionId } = session;
  if (!(await Connection.isSubscribed(connectionId, roomId))) {
    throw new AppError("forbidden", `Subscribe to ${roomId} before sending typing notices`);
  }
  const allowed = await RateLimit.throttle({
    scope: "typing",
    subject: userId,
    intervalMs: TYPING_INTERVAL_MS,
  });
  if (allowed)
    await fanOut(roomId, { type: "typing", roomId, userId, username }, request.log, { except: connectionId });
};
