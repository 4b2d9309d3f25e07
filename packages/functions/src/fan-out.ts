import { GoneException } from "@aws-sdk/client-apigatewaymanagementapi";
import * as Connection from "@chat/core/connection";
import * as Presence from "@chat/core/presence";
import type { ServerFrame } from "@chat/types";
import { isTransientError } from "@smithy/core/retry";
import type { SdkError } from "@smithy/types";
import pLimit from "p-limit";
import { type Audience, type AudiencePage, audienceOf, type Membership, spansOf } from "./fan-out/audience";
import { deadlineOf, retrying } from "./fan-out/retry";
import { type EncodedFrame, encodeFrame, POST_CONCURRENCY, postToConnectionOnce } from "./management-api";
import type { Logger } from "./observability";

/**
 * Typing, presence, membership and read notices are sent in rooms of up to this many subscribed connections (PubNub's "announce max"
 * idea); larger rooms read `GET /rooms/{roomId}/members` instead.
 */
export const NOTICE_MAX_CONNECTIONS = 100;

/**
 * What happened to one post: delivered, connection gone (pruned), still connecting, not posted because the
 * connection left the room since it was read (`unsubscribed`, see `fan-out/audience.ts`), failed (retryable or not).
 */
export type Outcome = "sent" | "gone" | "connecting" | "unsubscribed" | "retry" | "failed";

export type Outcomes = Record<Outcome, number>;

/** What a fan-out did: the count of each outcome, and the connections still owed the frame (`retry`). */
export interface Delivery extends Outcomes {
  /** Connections whose posts kept failing retryably until the deadline: hand them on, never the whole room. */
  undelivered: Connection.RoomListener[];
}

export interface FanOutOptions {
  /** A connection left out (the sender of a typing notice). */
  except?: string | undefined;
  /** Epoch ms: no retry of a failed post starts after it (see `fan-out/retry.ts`); 2 s from now by default. */
  deadline?: number;
}

/**
 * Pushes one frame to every connection subscribed to a room (but `except`), page by page, with bounded
 * concurrency. A post that fails retryably (throttled, 5xx, no answer) is retried for that connection alone until
 * `deadline`; connections API Gateway reports gone are pruned, and their users' departures announced. No post
 * starts on a read of the room older than `AUDIENCE_MAX_AGE_MS`: its page is read again first.
 */
export const fanOut = async (
  roomId: string,
  frame: ServerFrame,
  log: Logger,
  { except, deadline = deadlineOf() }: FanOutOptions = {},
): Promise<Delivery> => {
  if (
    frame.type === "presence" ||
    frame.type === "typing" ||
    frame.type === "member" ||
    frame.type === "read"
  ) {
    // Ephemeral notices go to small rooms only: in a room of N people, N joins would otherwise cost N² posts.
    // More users online than the limit means more connections too: the room's count (GetItem, 0.5 RCU, or the
    // value this process just moved it to) says so without reading 101 connection rows, which in a connect storm
    // every join past the 100th would.
    if ((await Presence.roughCount(roomId)) > NOTICE_MAX_CONNECTIONS) return skipped(roomId, frame, log);
    const readAt = Date.now();
    const page = await Connection.inRoom(roomId, { limit: NOTICE_MAX_CONNECTIONS + 1 });
    if (page.cursor !== null || page.connections.length > NOTICE_MAX_CONNECTIONS) {
      return skipped(roomId, frame, log);
    }
    return deliver(pagesFrom([{ roomId, listeners: page.connections, readAt }]), frame, log, {
      except,
      deadline,
    });
  }
  return deliver(pagesOf(roomId), frame, log, { except, deadline });
};

const skipped = (roomId: string, frame: ServerFrame, log: Logger): Delivery => {
  log.debug({ roomId, type: frame.type }, "notice not sent: the room is over the notice limit");
  return noDelivery();
};

/** A delivery of nothing yet. */
export const noDelivery = (): Delivery => ({
  sent: 0,
  gone: 0,
  connecting: 0,
  unsubscribed: 0,
  retry: 0,
  failed: 0,
  undelivered: [],
});

/**
 * A room's connections, page after page (each page read while the previous one is being posted), each with the
 * time its read was issued.
 */
export async function* pagesOf(
  roomId: string,
  slice: { after?: string; until?: string; limit?: number } = {},
): AsyncGenerator<AudiencePage> {
  let next: string | null = null;
  do {
    const readAt = Date.now();
    const page: Connection.ConnectionPage = await Connection.inRoom(roomId, { ...slice, cursor: next });
    yield { roomId, listeners: page.connections, readAt };
    next = page.cursor;
  } while (next);
}

/** Pages read already, for `deliver`. */
export async function* pagesFrom(pages: AudiencePage[]): AsyncGenerator<AudiencePage> {
  yield* pages;
}

/**
 * Posts a frame (or its encoding, made once) to each listener the pages yield, `POST_CONCURRENCY` in flight, each
 * retried alone until `deadline`. Before each attempt, a listener whose page was read more than
 * `AUDIENCE_MAX_AGE_MS` ago is checked against a new read of its span (one Query for up to `AUDIENCE_SPAN`
 * connections of the page), and left out
 * (`unsubscribed`) if it is no longer there. A failure to read the pages leaves the result with `retry` > 0 and
 * nothing undelivered: the caller must repeat the whole fan-out.
 */
export const deliver = async (
  pages: AsyncIterable<AudiencePage>,
  frame: ServerFrame | EncodedFrame,
  log: Logger,
  { except, deadline }: { except?: string | undefined; deadline: number },
): Promise<Delivery> => {
  const data = "sha256" in frame ? frame : encodeFrame(frame);
  const limit = pLimit(POST_CONCURRENCY);
  const posts: Promise<Outcome>[] = [];
  const delivery = noDelivery();
  const settle = (listener: Connection.RoomListener, audience: Audience) => async () => {
    // Still queued at the deadline: handed on untried, so the invocation ends in time.
    const outcome = Date.now() < deadline ? await post(listener, audience, data, log, deadline) : "retry";
    if (outcome === "retry") delivery.undelivered.push(listener);
    return outcome;
  };
  let unread = false;
  try {
    // Posting starts while the next page of connections is read.
    for await (const page of pages) {
      for (const span of spansOf(page)) {
        const audience = audienceOf(span);
        for (const listener of span.listeners) {
          if (listener.connectionId !== except) posts.push(limit(settle(listener, audience)));
        }
      }
    }
  } catch (error) {
    log.warn({ err: error }, "could not read the room's connections");
    unread = true;
  }
  for (const outcome of await Promise.all(posts)) delivery[outcome]++;
  if (unread) delivery.retry++;
  return delivery;
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

/** A post not started: the connection left the room since it was read, or no fresh read came in time. */
class NotPosted extends Error {
  constructor(readonly membership: Exclude<Membership, "listening">) {
    super(`not posted: ${membership}`);
  }
}

const post = async (
  { connectionId, connectedAt }: Connection.RoomListener,
  audience: Audience,
  data: EncodedFrame,
  log: Logger,
  deadline: number,
): Promise<Outcome> => {
  try {
    await retrying(
      async () => {
        const membership = await audience.check(connectionId, deadline);
        if (membership !== "listening") throw new NotPosted(membership);
        return postToConnectionOnce(connectionId, data);
      },
      (error) => !(error instanceof NotPosted) && isRetryable(error),
      deadline,
    );
    return "sent";
  } catch (error) {
    // Left the room: not a failure. Not known in time (the page could not be read again): owed, handed on.
    if (error instanceof NotPosted) return error.membership === "unsubscribed" ? "unsubscribed" : "retry";
    if (error instanceof GoneException) {
      if (Date.now() - Date.parse(connectedAt) < HANDSHAKE_GRACE_MS) return "connecting";
      return prune(connectionId, log);
    }
    const retryable = isRetryable(error);
    // One line per connection given up on: the error's name and status say enough, a stack trace per connection would not.
    const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    log.warn(
      { connectionId, error: name, status: $metadata?.httpStatusCode, retryable },
      "post to connection failed (retries exhausted or not retryable)",
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

/**
 * Throttling, server errors and no answer at all (a network error or a timeout, as the SDK classifies them) may
 * pass on a retry; client errors will not, nor will anything else thrown (a bug or a missing configuration would
 * otherwise be retried until the deadline for every connection).
 */
export const isRetryable = (error: unknown): boolean => {
  const { $metadata, $fault } = (error ?? {}) as { $metadata?: { httpStatusCode?: number }; $fault?: string };
  const status = $metadata?.httpStatusCode;
  if (status === undefined) return isTransientError(error as SdkError);
  return status === 429 || $fault === "server" || status >= 500;
};
