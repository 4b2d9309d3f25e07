import { GoneException } from "@aws-sdk/client-apigatewaymanagementapi";
import * as Connection from "@chat/core/connection";
import * as Presence from "@chat/core/presence";
import type { ServerFrame } from "@chat/types";
import pLimit from "p-limit";
import { type EncodedFrame, encodeFrame, POST_CONCURRENCY, postToConnection } from "./management-api";
import type { Logger } from "./observability";

/**
 * Typing, presence and membership notices are sent in rooms of up to this many subscribed connections (PubNub's "announce max"
 * idea); larger rooms read `GET /rooms/{roomId}/members` instead.
 */
export const NOTICE_MAX_CONNECTIONS = 100;

/** What happened to one post: delivered, connection gone (pruned), still connecting, failed (retryable or not). */
export type Outcome = "sent" | "gone" | "connecting" | "retry" | "failed";

export type Outcomes = Record<Outcome, number>;

/**
 * Pushes one frame to every connection subscribed to a room (but `except`), page by page, with bounded
 * concurrency. Connections API Gateway reports gone are pruned, and their users' departures announced.
 */
export const fanOut = async (
  roomId: string,
  frame: ServerFrame,
  log: Logger,
  { except }: { except?: string } = {},
): Promise<Outcomes> => {
  const data = encodeFrame(frame);
  const limit = pLimit(POST_CONCURRENCY);
  const posts: Promise<Outcome>[] = [];
  if (frame.type === "presence" || frame.type === "typing" || frame.type === "member") {
    // Ephemeral notices go to small rooms only: in a room of N people, N joins would otherwise cost N² posts.
    // More users online than the limit means more connections too: the room's count (GetItem, 0.5 RCU) says so
    // without reading 101 connection rows, which in a connect storm every join past the 100th would.
    if ((await Presence.count(roomId)) > NOTICE_MAX_CONNECTIONS) return skipped(roomId, frame, log);
    const page = await Connection.inRoom(roomId, { limit: NOTICE_MAX_CONNECTIONS + 1 });
    if (page.cursor !== null || page.connections.length > NOTICE_MAX_CONNECTIONS) {
      return skipped(roomId, frame, log);
    }
    for (const connection of page.connections) {
      if (connection.connectionId !== except) posts.push(limit(() => post(connection, data, log)));
    }
    return count(posts);
  }
  try {
    // Posting starts while the next page of connections is read.
    let cursor: string | null = null;
    do {
      const page: Connection.ConnectionPage = await Connection.inRoom(roomId, { cursor });
      for (const connection of page.connections) {
        if (connection.connectionId !== except) posts.push(limit(() => post(connection, data, log)));
      }
      cursor = page.cursor;
    } while (cursor);
  } catch (error) {
    log.warn({ err: error, roomId }, "could not read the room's connections");
    posts.push(Promise.resolve("retry"));
  }
  return count(posts);
};

const skipped = (roomId: string, frame: ServerFrame, log: Logger): Outcomes => {
  log.debug({ roomId, type: frame.type }, "notice not sent: the room is over the notice limit");
  return { sent: 0, gone: 0, connecting: 0, retry: 0, failed: 0 };
};

const count = async (posts: Promise<Outcome>[]): Promise<Outcomes> => {
  const outcomes: Outcomes = { sent: 0, gone: 0, connecting: 0, retry: 0, failed: 0 };
  for (const outcome of await Promise.all(posts)) outcomes[outcome]++;
  return outcomes;
};

/**
 * Tells each room that a user's last connection left it, once the departure has settled (`settleMs`, all rooms at
 * once): a user back in the room by then is not announced at all.
 */
export const announceDepartures = async (
  departures: Presence.PresenceChange[],
  log: Logger,
  { settleMs }: { settleMs: number },
): Promise<void> => {
  await Promise.all(
    departures.map(async (departure) => {
      const change = await Presence.settle(departure, { settleMs });
      if (change) await fanOut(change.roomId, { type: "presence", event: "leave", ...change }, log);
    }),
  );
};

/**
 * A connection's row is written during `$connect`, before API Gateway completes the handshake; until then the
 * connection reports gone. Pruning it then would leave a connected client that never hears from its room. A
 * `$connect` may run up to API Gateway's 29 s integration timeout (in a connect storm, its join notice alone can take
 * seconds): 10 s let other joins prune connections still in their handshake, so the grace outlasts that timeout.
 */
export const HANDSHAKE_GRACE_MS = 30_000;

const post = async (
  { connectionId, connectedAt }: Connection.RoomListener,
  data: EncodedFrame,
  log: Logger,
): Promise<Outcome> => {
  try {
    await postToConnection(connectionId, data);
    return "sent";
  } catch (error) {
    if (error instanceof GoneException) {
      if (Date.now() - Date.parse(connectedAt) < HANDSHAKE_GRACE_MS) return "connecting";
      return prune(connectionId, log);
    }
    const retryable = isRetryable(error);
    // One line per failed post: the error's name and status say enough, a stack trace per connection would not.
    const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    log.warn(
      { connectionId, error: name, status: $metadata?.httpStatusCode, retryable },
      "post to connection failed",
    );
    return retryable ? "retry" : "failed";
  }
};

/** Removes a connection API Gateway reports gone, and announces its user's departures. */
export const prune = async (connectionId: string, log: Logger): Promise<Outcome> => {
  // A failed prune is not worth a redelivery: the next broadcast or the row's TTL removes it.
  try {
    // Gone for a while already: nothing to wait for.
    await announceDepartures(await Connection.disconnect(connectionId), log, { settleMs: 0 });
  } catch (error) {
    log.warn({ err: error, connectionId }, "could not prune a gone connection");
  }
  return "gone";
};

/** Throttling, server errors and no answer at all may pass on a retry; other client errors will not. */
const isRetryable = (error: unknown): boolean => {
  const { $metadata, $fault } = (error ?? {}) as { $metadata?: { httpStatusCode?: number }; $fault?: string };
  const status = $metadata?.httpStatusCode;
  return status === undefined || status === 429 || $fault === "server" || status >= 500;
};
