import { type ChatMessage, type GetMessagesResponse, newMessageState } from "@chat/types";
import { decodeTime, isValid, ulid } from "ulid";
import { describe, expect, it } from "vitest";
import type { HistoryQuery } from "./rest-api";
import { CLOCK_SKEW_MARGIN_MS, firstIdAt, KEPT_STATES, RoomFeed } from "./room-feed";

// No socket and no API: a stand-in for the REST API's `history` over an in-memory room, which answers as the API
// does (after: the oldest `limit` newer than it; without: the newest `limit`) and records every query.
const room = "feed-room";
const T = Date.parse("2026-11-29T20:00:00.000Z");

const storedAt = (at: number, text = `at ${at - T}`): ChatMessage => ({
  id: ulid(at),
  roomId: room,
  userId: "u1",
  username: "alice",
  text,
  createdAt: new Date(at).toISOString(),
  clientMessageId: null,
  ...newMessageState(),
});

const historyOf = (stored: ChatMessage[]) => {
  const queries: HistoryQuery[] = [];
  const api = {
    history: async (_roomId: string, query: HistoryQuery): Promise<GetMessagesResponse> => {
      queries.push(query);
      const all = [...stored].sort((a, b) => (a.id < b.id ? -1 : 1));
      const limit = query.limit ?? 50;
      if (query.after !== undefined) {
        const newer = all.filter(({ id }) => id > (query.after as string));
        return { roomId: room, messages: newer.slice(0, limit), hasMore: newer.length > limit };
      }
      return { roomId: room, messages: all.slice(-limit), hasMore: all.length > limit };
    },
  };
  return { api, queries };
};

/** A catch-up as the connection runs it: read, then merge with what was pushed meanwhile. */
const catchUp = async (feed: RoomFeed) => {
  const merged = feed.merge(await feed.read());
  if (!merged) throw new Error("the read was stale");
  return merged;
};

const ids = (messages: ChatMessage[]) => messages.map(({ id }) => id);

describe("RoomFeed", () => {
  it("delivers the backlog in id order first, then only what is new", async () => {
    const stored = [storedAt(T + 2), storedAt(T), storedAt(T + 1)];
    const { api } = historyOf(stored);
    const feed = new RoomFeed({ roomId: room, backlog: 2 }, api);

    const first = await catchUp(feed);
    stored.push(storedAt(T + 3));
    const second = await catchUp(feed);

    expect(ids(first.messages)).toEqual([ulidOf(stored, T + 1), ulidOf(stored, T + 2)]);
    expect(first.first).toBe(true);
    expect(ids(second.messages)).toEqual([ulidOf(stored, T + 3)]);
    expect(second.first).toBe(false);
    expect(feed.lastSeenId).toBe(ulidOf(stored, T + 3));
  });

  it("delivers a whole backlog that spans more than the margin", async () => {
    const stored = [storedAt(T - 60_000), storedAt(T - 30_000), storedAt(T)];
    const feed = new RoomFeed({ roomId: room, backlog: 50 }, historyOf(stored).api);

    const first = await catchUp(feed);

    expect(ids(first.messages)).toEqual(ids(stored));
  });

  it("after following with backlog 0, delivers a message a lagging writer stores with an id older than the newest", async () => {
    const before = [storedAt(T - 3_000), storedAt(T)];
    const stored = [...before];
    const feed = new RoomFeed({ roomId: room, backlog: 0 }, historyOf(stored).api);
    const first = await catchUp(feed);

    const lagging = storedAt(T - 2_000, "stored after following, by a clock 2+ s behind");
    stored.push(lagging);
    const second = await catchUp(feed);
    const pushed = feed.push(storedAt(T - 1_000, "pushed live, by a clock 1+ s behind"));

    expect(first.messages).toEqual([]);
    expect(ids(second.messages)).toEqual([lagging.id]);
    expect(pushed).toHaveLength(1);
  });

  it("catches up from the margin before the newest id delivered, and delivers a later message with an older id", async () => {
    const stored = [storedAt(T), storedAt(T + 10_000)];
    const { api, queries } = historyOf(stored);
    const feed = new RoomFeed({ roomId: room, backlog: 50 }, api);
    await catchUp(feed);
    // Stored after the catch-up by writers whose clocks lag 4.9 s and 1 s.
    const late = [storedAt(T + 10_000 - 4_900), storedAt(T + 9_000)];
    stored.push(...late);

    const second = await catchUp(feed);

    expect(queries.at(-1)).toEqual({ after: firstIdAt(T + 10_000 - CLOCK_SKEW_MARGIN_MS), limit: 100 });
    expect(ids(second.messages)).toEqual(ids(late));
    expect(feed.lastSeenId).toBe(ulidOf(stored, T + 10_000));
    expect((await catchUp(feed)).messages).toEqual([]);
  });

  it("pages a catch-up while hasMore, and delivers the pages with the pushes held back meanwhile in id order, once", async () => {
    const stored = [storedAt(T)];
    const { api, queries } = historyOf(stored);
    const feed = new RoomFeed({ roomId: room, backlog: 0 }, api);
    await catchUp(feed);
    const readBefore = queries.length;
    const gap = Array.from({ length: 150 }, (_, i) => storedAt(T + 100 + i));
    stored.push(...gap);

    feed.hold();
    const reading = feed.read();
    // Pushed while the catch-up reads: one of the gap again, and one newer that the read does not see.
    const newer = storedAt(T + 1_000);
    const heldNow = [...feed.push(gap[149] as ChatMessage), ...feed.push(newer)];
    const merged = feed.merge(await reading);

    expect(heldNow).toEqual([]);
    expect(queries.slice(readBefore).map(({ after }) => after)).toEqual([
      firstIdAt(T - CLOCK_SKEW_MARGIN_MS),
      // A page holds 100: the message at T (inside the margin) and the first 99 of the gap.
      gap[98]?.id,
    ]);
    expect(ids(merged?.messages ?? [])).toEqual(ids([...gap, newer]));
  });

  it("delivers a late push with an older id within the margin once, and takes an older one as a repeat", async () => {
    const stored = [storedAt(T)];
    const feed = new RoomFeed({ roomId: room, backlog: 50 }, historyOf(stored).api);
    await catchUp(feed);
    const newest = storedAt(T + 20_000);
    const withinMargin = storedAt(T + 20_000 - 3_000);
    const pastMargin = storedAt(T + 20_000 - CLOCK_SKEW_MARGIN_MS - 1);

    const delivered = [
      ...feed.push(newest),
      ...feed.push(withinMargin),
      ...feed.push(withinMargin),
      ...feed.push(newest),
      ...feed.push(pastMargin),
    ];

    expect(delivered).toEqual([newest, withinMargin]);
    expect(feed.has(withinMargin.id)).toBe(true);
    expect(feed.has(pastMargin.id)).toBe(true);
    expect(feed.has(storedAt(T + 20_001).id)).toBe(false);
  });

  it("remembers only the ids within the margin behind the newest", async () => {
    const feed = new RoomFeed({ roomId: room, backlog: 0 }, historyOf([]).api);
    await catchUp(feed);

    // Ten minutes of one message a second: a 5 s margin keeps about 5 of them.
    for (let s = 0; s < 600; s++) feed.push(storedAt(T + s * 1_000));

    expect(feed.remembered).toBeLessThanOrEqual(CLOCK_SKEW_MARGIN_MS / 1_000 + 1);
    expect(feed.remembered).toBeGreaterThan(0);
  });

  it("delivers nothing from before the room was followed, with backlog 0 or after an id", async () => {
    const before = [storedAt(T - 2_000), storedAt(T - 1_000), storedAt(T)];
    const stored = [...before];
    const fromNow = new RoomFeed({ roomId: room, backlog: 0 }, historyOf(stored).api);
    const afterFirst = new RoomFeed(
      { roomId: room, after: before[0]?.id as string, backlog: 0 },
      historyOf(stored).api,
    );

    const first = await catchUp(fromNow);
    const next = storedAt(T + 1_000);
    stored.push(next);
    const resumed = await catchUp(afterFirst);
    const pushedOld = fromNow.push(before[1] as ChatMessage);
    const second = await catchUp(fromNow);

    expect(first.messages).toEqual([]);
    expect(pushedOld).toEqual([]);
    expect(ids(second.messages)).toEqual([next.id]);
    expect(ids(resumed.messages)).toEqual(ids([...before.slice(1), next]));
  });

  it("merges nothing from a read that a reset overtook, and the next catch-up reads the same again", async () => {
    const stored = [storedAt(T)];
    const feed = new RoomFeed({ roomId: room, backlog: 50 }, historyOf(stored).api);
    await catchUp(feed);
    stored.push(storedAt(T + 1_000));

    const reading = feed.read();
    feed.reset();
    const stale = feed.merge(await reading);
    const again = await catchUp(feed);

    expect(stale).toBeUndefined();
    expect(ids(again.messages)).toEqual([ulidOf(stored, T + 1_000)]);
    expect(again.first).toBe(true);
  });

  it("builds the margin cursor as the smallest valid id of its millisecond", () => {
    const cursor = firstIdAt(T);

    expect(cursor).toHaveLength(26);
    expect(isValid(cursor)).toBe(true);
    expect(decodeTime(cursor)).toBe(T);
    expect(cursor.slice(10)).toBe("0000000000000000");
    expect(cursor <= ulid(T)).toBe(true);
    expect(cursor > ulid(T - 1)).toBe(true);
  });
});

const ulidOf = (stored: ChatMessage[], at: number): string => {
  const found = stored.find(({ createdAt }) => createdAt === new Date(at).toISOString());
  if (!found) throw new Error(`nothing stored at ${at}`);
  return found.id;
};

describe("RoomFeed: each message's latest state", () => {
  const edited = (message: ChatMessage, text: string, at: number): ChatMessage => ({
    ...message,
    text,
    editedAt: new Date(at).toISOString(),
  });
  const deleted = (message: ChatMessage, at: number): ChatMessage => ({
    ...message,
    text: "",
    reactions: [],
    deletedAt: new Date(at).toISOString(),
  });

  it("takes an edit, then a delete, and refuses a late older edit and repeats", async () => {
    const message = storedAt(T);
    const feed = new RoomFeed({ roomId: room, backlog: 10 }, historyOf([message]).api);
    await catchUp(feed);
    const first = edited(message, "first edit", T + 10);
    const second = edited(message, "second edit", T + 20);
    const tombstone = deleted(message, T + 30);

    const applied = [
      feed.update(second),
      feed.update(first),
      feed.update(second),
      feed.update(tombstone),
      feed.update(edited(message, "after the delete", T + 40)),
    ];

    expect(applied).toEqual([second, undefined, undefined, tombstone, undefined]);
    expect(feed.state(message.id)).toEqual(tombstone);
  });

  it("keeps reaction counts in order of first use, dropping one at 0, and none on a tombstone", async () => {
    const message = storedAt(T);
    const feed = new RoomFeed({ roomId: room, backlog: 10 }, historyOf([message]).api);
    await catchUp(feed);
    const react = (emoji: string, count: number) => feed.react({ messageId: message.id, emoji, count });

    react("👍", 1);
    react("🎉", 1);
    react("👍", 2);
    const counts = react("🎉", 0)?.reactions;
    feed.update(deleted(message, T + 5));

    expect(counts).toEqual([{ emoji: "👍", count: 2 }]);
    expect(react("👍", 3)).toBeUndefined();
    expect(feed.react({ messageId: storedAt(T + 1).id, emoji: "👍", count: 1 })).toBeUndefined();
  });

  it("delivers a message read by a catch-up in the state of an update that came first", async () => {
    const message = storedAt(T);
    const { api } = historyOf([message]);
    const feed = new RoomFeed({ roomId: room, backlog: 10 }, api);
    const read = feed.read();
    const update = edited(message, "edited meanwhile", T + 10);

    expect(feed.update(update)).toEqual(update);
    const merged = feed.merge(await read);

    expect(merged?.messages).toEqual([update]);
  });

  it("forgets the oldest states past KEPT_STATES", async () => {
    const feed = new RoomFeed({ roomId: room, backlog: 0 }, historyOf([]).api);
    await catchUp(feed);
    const messages = Array.from({ length: KEPT_STATES + 1 }, (_, i) => storedAt(T + i));

    for (const message of messages) feed.push(message);

    expect(feed.state(messages[0]?.id ?? "")).toBeUndefined();
    expect(feed.state(messages.at(-1)?.id ?? "")).toEqual(messages.at(-1));
  });
});
