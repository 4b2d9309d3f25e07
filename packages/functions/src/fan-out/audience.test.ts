import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AUDIENCE_MAX_AGE_MS,
  AUDIENCE_SPAN,
  type AudiencePage,
  audienceOf,
  type ReadSpan,
  spansOf,
} from "./audience";

// The staleness rules alone: a fake clock (Date only) and a fake read of the room index that counts its Queries.
const START = Date.parse("2026-11-30T12:00:00.000Z");
const FAR = START + 60_000;

const page = (ids: string[], readAt = START): AudiencePage => ({
  roomId: "room",
  listeners: ids.map((connectionId) => ({ connectionId, connectedAt: "2026-11-30T11:00:00.000Z" })),
  readAt,
});

/** A read of the index that finds `still`, and records each span it was asked for. */
const fakeRead = (still: string[]) => {
  const spans: [string, string, string][] = [];
  const read = vi.fn<ReadSpan>(async (roomId, from, until) => {
    spans.push([roomId, from, until]);
    return new Set(still);
  });
  return { read, spans };
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(START);
});

afterEach(() => {
  vi.useRealTimers();
});

describe("the audience of a page", () => {
  it("lets every connection of a page read at most AUDIENCE_MAX_AGE_MS ago be posted to, without reading again", async () => {
    const { read } = fakeRead([]);
    const audience = audienceOf(page(["a", "b"]), read);
    vi.setSystemTime(START + AUDIENCE_MAX_AGE_MS);

    expect([await audience.check("a", FAR), await audience.check("b", FAR)]).toEqual([
      "listening",
      "listening",
    ]);
    expect(read).not.toHaveBeenCalled();
  });

  it("reads an older page's span again once for all its connections, and leaves out those no longer there", async () => {
    const { read, spans } = fakeRead(["c", "a"]);
    const audience = audienceOf(page(["c", "b", "a"]), read);
    vi.setSystemTime(START + AUDIENCE_MAX_AGE_MS + 1);

    const answers = await Promise.all(["a", "b", "c"].map((id) => audience.check(id, FAR)));

    expect(answers).toEqual(["listening", "unsubscribed", "listening"]);
    expect(spans).toEqual([["room", "a", "c"]]);
  });

  it("reads again each time the last read grows too old, and only then", async () => {
    const { read } = fakeRead(["a"]);
    const audience = audienceOf(page(["a"]), read);

    const firstRead = START + AUDIENCE_MAX_AGE_MS + 100;
    vi.setSystemTime(firstRead);
    await audience.check("a", FAR);
    vi.setSystemTime(firstRead + AUDIENCE_MAX_AGE_MS);
    await audience.check("a", FAR);
    vi.setSystemTime(firstRead + AUDIENCE_MAX_AGE_MS + 1);
    await audience.check("a", FAR);

    expect(read).toHaveBeenCalledTimes(2);
  });

  it("reads connections handed on from another invocation before their first post", async () => {
    const { read } = fakeRead(["b"]);
    const audience = audienceOf(page(["a", "b"], Number.NEGATIVE_INFINITY), read);

    expect([await audience.check("a", FAR), await audience.check("b", FAR)]).toEqual([
      "unsubscribed",
      "listening",
    ]);
    expect(read).toHaveBeenCalledTimes(1);
  });

  it("answers unknown when the read fails or the deadline has passed, and reads again on the next check", async () => {
    const read = vi.fn<ReadSpan>().mockRejectedValueOnce(new Error("unavailable"));
    read.mockResolvedValue(new Set(["a"]));
    const audience = audienceOf(page(["a"]), read);
    const stale = START + AUDIENCE_MAX_AGE_MS + 500;
    vi.setSystemTime(stale);

    const failed = await audience.check("a", FAR);
    const late = await audience.check("a", stale);
    const retried = await audience.check("a", FAR);

    expect([failed, late, retried]).toEqual(["unknown", "unknown", "listening"]);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it("checks a page in spans of at most AUDIENCE_SPAN connections, in connection id order", () => {
    const ids = Array.from(
      { length: AUDIENCE_SPAN * 2 + 1 },
      (_, i) => `c${String(i).padStart(4, "0")}`,
    ).reverse();
    const spans = spansOf(page(ids));

    expect(spans.map((span) => span.listeners.length)).toEqual([AUDIENCE_SPAN, AUDIENCE_SPAN, 1]);
    expect(spans.flatMap((span) => span.listeners.map((listener) => listener.connectionId))).toEqual(
      [...ids].sort(),
    );
    expect(new Set(spans.map((span) => span.readAt))).toEqual(new Set([START]));
  });

  it("reads again when a read took longer than the age allowed, as its answer is stale already", async () => {
    let reads = 0;
    const read: ReadSpan = async () => {
      reads++;
      // The first read answers later than the age allowed after it was issued.
      if (reads === 1) vi.setSystemTime(Date.now() + AUDIENCE_MAX_AGE_MS + 500);
      return new Set(["a"]);
    };
    const audience = audienceOf(page(["a"]), read);
    vi.setSystemTime(START + AUDIENCE_MAX_AGE_MS + 500);

    expect(await audience.check("a", FAR)).toBe("listening");
    expect(reads).toBe(2);
  });
});
