import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AUDIENCE_MAX_AGE_MS, type AudiencePage, audienceOf, type ReadSpan } from "./audience";

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

    vi.setSystemTime(START + 600);
    await audience.check("a", FAR);
    vi.setSystemTime(START + 600 + AUDIENCE_MAX_AGE_MS);
    await audience.check("a", FAR);
    vi.setSystemTime(START + 600 + AUDIENCE_MAX_AGE_MS + 1);
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
    vi.setSystemTime(START + 1_000);

    const failed = await audience.check("a", FAR);
    const late = await audience.check("a", START + 1_000);
    const retried = await audience.check("a", FAR);

    expect([failed, late, retried]).toEqual(["unknown", "unknown", "listening"]);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it("reads again when a read took longer than the age allowed, as its answer is stale already", async () => {
    let reads = 0;
    const read: ReadSpan = async () => {
      reads++;
      // The first read answers a whole second after it was issued.
      if (reads === 1) vi.setSystemTime(Date.now() + 1_000);
      return new Set(["a"]);
    };
    const audience = audienceOf(page(["a"]), read);
    vi.setSystemTime(START + 1_000);

    expect(await audience.check("a", FAR)).toBe("listening");
    expect(reads).toBe(2);
  });
});
