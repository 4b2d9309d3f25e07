import { GoneException } from "@aws-sdk/client-apigatewaymanagementapi";
import * as Connection from "@chat/core/connection";
import { AppError } from "@chat/core/error";
import * as Message from "@chat/core/message";
import * as RateLimit from "@chat/core/rate-limit";
import { ClientFrame, ClientMessageId, RoomId, type SendFrame } from "@chat/types";
import * as v from "valibot";
import { mapError } from "../edge/errors";
import { parseJson, validate } from "../edge/input";
import { type FrameRequest, frames, reply } from "../edge/socket";
import { fanOut } from "../fan-out";
import { MetricUnit, metrics } from "../observability";
import { config } from "../runtime-config";

// Typing notices are forwarded at most once per user per this interval.
const TYPING_INTERVAL_MS = 2_000;

export const handler = frames(async (request) => {
  const countFrame = () =>
    RateLimit.hit({
      scope: "frame",
      subject: request.connectionId,
      max: config.settings.limits.framesPerMinute,
    });
  let raw: unknown;
  try {
    raw = parseJson(request.body);
  } catch (error) {
    await countFrame();
    throw error;
  }
  // Whatever goes wrong from here, the error frame names what it answers: the send or the room.
  const about = correlation(raw);
  try {
    await countFrame();
    await handle(request, validate(ClientFrame, raw, "frame"));
  } catch (error) {
    if (error instanceof GoneException || Object.keys(about).length === 0) throw error;
    await reply(request, { type: "error", ...about, error: mapError(error, request.log).body });
  }
});

const handle = async (request: FrameRequest, frame: ClientFrame): Promise<void> => {
  if (frame.type === "ping") return reply(request, { type: "pong", timestamp: new Date().toISOString() });
  const { connectionId, log } = request;
  const session = await Connection.session(connectionId);
  if (!session) throw new AppError("unauthorized", "This connection is not registered; reconnect");
  switch (frame.type) {
    case "send":
      return send(request, session, frame);
    case "subscribe": {
      const joined = await Connection.subscribe(session, frame.roomId);
      await reply(request, { type: "subscribed", roomId: frame.roomId });
      if (joined)
        await fanOut(frame.roomId, { type: "presence", event: "join", ...joined }, log, {
          except: connectionId,
        });
      return;
    }
    case "unsubscribe": {
      const left = await Connection.unsubscribe(session, frame.roomId);
      await reply(request, { type: "unsubscribed", roomId: frame.roomId });
      if (left) await fanOut(frame.roomId, { type: "presence", event: "leave", ...left }, log);
      return;
    }
    case "typing":
      return typing(request, session, frame.roomId);
  }
};

/**
 * What an error frame answering this frame should name, read leniently from the raw frame: a send's
 * `clientMessageId` (null when it has none) and the `roomId` of a room frame, each only when it is valid.
 */
const correlation = (raw: unknown): { clientMessageId?: string | null; roomId?: string } => {
  if (typeof raw !== "object" || raw === null) return {};
  const { type, clientMessageId, roomId } = raw as Record<string, unknown>;
  const valid = <S extends v.GenericSchema>(schema: S, value: unknown) => {
    const parsed = v.safeParse(schema, value);
    return parsed.success ? (parsed.output as v.InferOutput<S>) : undefined;
  };
  const room = valid(RoomId, roomId);
  return {
    ...(type === "send" && { clientMessageId: valid(ClientMessageId, clientMessageId) ?? null }),
    ...(typeof type === "string" && type !== "ping" && room !== undefined && { roomId: room }),
  };
};

/** A message sent over the socket: stored exactly like a REST send, then acknowledged to this connection. */
const send = async (request: FrameRequest, session: Connection.Session, frame: SendFrame) => {
  const { userId, username } = session;
  await RateLimit.hit({ scope: "send", subject: userId, max: config.settings.limits.sendsPerMinute });
  const { message, created } = await Message.send({ ...frame, userId, username });
  request.log.info({ messageId: message.id, created }, created ? "message stored" : "idempotent replay");
  if (created) metrics.addMetric("MessagesPosted", MetricUnit.Count, 1);
  await reply(request, { type: "ack", clientMessageId: frame.clientMessageId ?? null, message });
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
