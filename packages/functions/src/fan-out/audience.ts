import * as Connection from "@chat/core/connection";

/**
 * How old the read of a room's connections may be when a post to one of them starts (a retry's too); an older
 * one is read again first. It bounds how long a broadcast may go on posting to a connection that left the room: a
 * removal (`endMembership`) waits this long after its revoke before it posts `unsubscribed`, so any post still owed
 * to the removed user's connections from an earlier read has started by then, and API Gateway, delivering one
 * connection's posts in the order they arrive, puts it before `unsubscribed`, never after. Shorter re-reads more
 * (a slow broadcast: one Query per page per this much posting time); longer delays every removal of a connected user.
 * The room index is a GSI, eventually consistent: on AWS a read issued just after a revoke may still list the
 * connection while the index catches up (usually well under a second), and the fence is only as tight as that lag.
 */
export const AUDIENCE_MAX_AGE_MS = 1_000;

/**
 * How many connections one re-read covers at most: a page (up to a shard of 2,000 in a big room, or a hand-off) is
 * checked in spans of this many, so that a re-read is a small Query that answers well within `AUDIENCE_MAX_AGE_MS`
 * even on a busy machine. A re-read slower than that is stale on arrival and read again: with a whole shard per
 * read, a loaded local stack never got a fresh enough answer and the posts waited until their deadline.
 */
export const AUDIENCE_SPAN = 250;

/**
 * From a post's start (its audience check) to API Gateway holding the request: signing and sending one small
 * request over a kept-alive socket (milliseconds; a few tens at worst on a busy Lambda). It assumes the post does
 * not wait for a socket of the HTTP agent (`maxSockets` is `POST_CONCURRENCY`, the posts one `deliver` keeps in flight).
 */
export const HANDOVER_MARGIN_MS = 100;

/** One read of a room's connections: those found, and when the read was issued (epoch ms). */
export interface AudiencePage {
  roomId: string;
  listeners: Connection.RoomListener[];
  /**
   * When the Query was sent: what it found held at some moment after this. `-Infinity` for connections handed on
   * from another invocation, read again before any post.
   */
  readAt: number;
}

/** A page cut into spans of at most `AUDIENCE_SPAN` connections, in connection id order, each checked on its own. */
export const spansOf = (page: AudiencePage): AudiencePage[] => {
  const sorted = [...page.listeners].sort((a, b) =>
    a.connectionId < b.connectionId ? -1 : a.connectionId > b.connectionId ? 1 : 0,
  );
  const spans: AudiencePage[] = [];
  for (let start = 0; start < sorted.length; start += AUDIENCE_SPAN) {
    spans.push({ ...page, listeners: sorted.slice(start, start + AUDIENCE_SPAN) });
  }
  return spans;
};

/** Whether a connection may be posted to now: still subscribed by a fresh read, gone since, or not known in time. */
export type Membership = "listening" | "unsubscribed" | "unknown";

/** The connection ids of a room from `from` to `until` (both included), all pages of them. */
export type ReadSpan = (roomId: string, from: string, until: string) => Promise<Set<string>>;

/** Reads a span of the room index: one Query per page (a span of up to `AUDIENCE_SPAN` connections is one). */
export const readSpan: ReadSpan = async (roomId, from, until) => {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const page: Connection.ConnectionPage = await Connection.inRoom(roomId, {
      from,
      until,
      cursor,
      limit: 2_000,
    });
    for (const { connectionId } of page.connections) ids.add(connectionId);
    cursor = page.cursor;
  } while (cursor);
  return ids;
};

/**
 * The audience of one page: answers, for a connection of the page, whether a post to it may start now. While the
 * page's read is at most `AUDIENCE_MAX_AGE_MS` old, every connection of it may be posted to; after that the span of
 * the page (its first to its last connection id, in the index's order) is read again, once for all the page's
 * connections that ask meanwhile (never a read per connection), and only those still in it may be.
 */
export const audienceOf = (page: AudiencePage, read: ReadSpan = readSpan) => {
  let readAt = page.readAt;
  let subscribed: Set<string> | null = null; // null: all of the page, as first read
  let reading: Promise<void> | null = null;
  const span = spanOf(page.listeners);

  const reread = async () => {
    if (!span) return;
    const issuedAt = Date.now();
    const ids = await read(page.roomId, span.from, span.until);
    if (issuedAt > readAt) [readAt, subscribed] = [issuedAt, ids];
  };

  return {
    /** Waits for a fresh enough read of the page if needed (or gives up at `deadline`, as `unknown`). */
    check: async (connectionId: string, deadline: number): Promise<Membership> => {
      while (Date.now() - readAt > AUDIENCE_MAX_AGE_MS) {
        if (Date.now() >= deadline) return "unknown";
        reading ??= reread().finally(() => {
          reading = null;
        });
        try {
          await reading;
        } catch {
          return "unknown";
        }
      }
      return subscribed === null || subscribed.has(connectionId) ? "listening" : "unsubscribed";
    },
  };
};

export type Audience = ReturnType<typeof audienceOf>;

/**
 * The smallest and largest connection id of a page. Plain string order is the index's (DynamoDB sorts keys by
 * their UTF-8 bytes; connection ids are ASCII).
 */
const spanOf = (listeners: Connection.RoomListener[]): { from: string; until: string } | null => {
  const [first, ...rest] = listeners.map((listener) => listener.connectionId);
  if (first === undefined) return null;
  let [from, until] = [first, first];
  for (const id of rest) {
    if (id < from) from = id;
    if (id > until) until = id;
  }
  return { from, until };
};
