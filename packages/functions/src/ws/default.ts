import * as Connection from "@chat/core/connection";
import { AppError } from "@chat/core/error";
import * as RateLimit from "@chat/core/rate-limit";
import * as Room from "@chat/core/room";
import { ClientFrame, ClientMessageId, RoomId, type SendFrame } from "@chat/types";
import * as v from "valibot";
import { isAdmin } from "../edge/identity";
import { parseJson, validate } from "../edge/input";
import { type FrameCorrelation, type FrameRequest, frames, reply } from "../edge/socket";
import { announceDepartures, fanOut } from "../fan-out";
import { config } from "../runtime-config";
import { sendMessage } from "../use-cases/send-message";

// Typing notices are forwarded at most once per user per this interval.
const TYPING_INTERVAL_MS = 2_000;

export const handler = frames(async (request) => {
  const { limits } = config.settings;
  const session = await Connection.session(request.connectionId);
  // Counted per user on all their connections, so reconnecting does not reset it; an unregistered connection alone.
  await RateLimit.hit({
    scope: "frame",
    subject: session ? `user:${session.userId}` : `connection:${request.connectionId}`,
    max: limits.framesPerMinute,
  });
  const frame = validate(ClientFrame, parseJson(request.body), "frame");
  if (frame.type === "ping") return reply(request, { type: "pong", timestamp: new Date().toISOString() });
  if (!session) throw new AppError("unauthorized", "This connection is not registered; reconnect");
  switch (frame.type) {
    case "send":
      return send(request, session, frame);
    case "subscribe":
    case "unsubscribe":
      await RateLimit.hit({
        scope: "subscription",
        subject: session.userId,
        max: limits.subscriptionsPerMinute,
      });
      return frame.type === "subscribe"
        ? subscribe(request, session, frame.roomId)
        : unsubscribe(request, session, frame.roomId);
    case "typing":
      return typing(request, session, frame.roomId);
  }
}, correlation);

/**
 * What an error frame answering this frame should name, read leniently from the raw frame: a send's
 * `clientMessageId` (null when it has none) and the `roomId` of a room frame, each only when it is valid.
 */
function correlation(body: string | undefined): FrameCorrelation {
  let raw: unknown;
  try {
    raw = JSON.parse(body ?? "");
  } catch {
    return {};
  }
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
}

/** A message sent over the socket: stored exactly like a REST send, then acknowledged to this connection. */
const send = async (request: FrameRequest, session: Connection.Session, frame: SendFrame) => {
  const { userId, username, admin } = callerOf(request, session);
  const { message } = await sendMessage({ ...frame, userId, username }, request.log, { admin });
  await reply(request, { type: "ack", clientMessageId: frame.clientMessageId ?? null, message });
};

/** Who sent a frame: the connection's user, an admin by the token's claim or the stage's list. */
const callerOf = ({ event }: FrameRequest, { userId, username }: Connection.Session): Room.Caller => {
  const { authorizer } = event.requestContext as { authorizer?: Record<string, unknown> };
  return { userId, username, admin: isAdmin(userId, authorizer?.admin) };
};

/** Subscribes to a room the user may read (who may listen is decided here; removal revokes it). */
const subscribe = async (request: FrameRequest, session: Connection.Session, roomId: string) => {
  await Room.check("read", roomId, callerOf(request, session));
  const joined = await Connection.subscribe(session, roomId);
  await reply(request, { type: "subscribed", roomId });
  if (joined) {
    await fanOut(roomId, { type: "presence", event: "join", ...joined }, request.log, {
      except: request.connectionId,
    });
  }
};

const unsubscribe = async (request: FrameRequest, session: Connection.Session, roomId: string) => {
  const departure = await Connection.unsubscribe(session, roomId);
  await reply(request, { type: "unsubscribed", roomId });
  const { presenceSettleMs } = config.settings.limits;
  if (departure) await announceDepartures([departure], request.log, { settleMs: presenceSettleMs });
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
  if (!allowed) return;
  // Only those who may post there: a muted or banned user's typing is not news. Read after the throttle, so a
  // typist costs this read at most once per interval.
  await Room.check("post", roomId, callerOf(request, session));
  await fanOut(roomId, { type: "typing", roomId, userId, username }, request.log, { except: connectionId });
};
