import { describe, expect, it } from "vitest";
import { TYPING_SHOWN_MS, TypingTracker } from "./index";

// Pure bookkeeping: the time is an argument, so nothing here waits.
const alice = { roomId: "lobby", userId: "u1", username: "Alice" };
const bob = { roomId: "lobby", userId: "u2", username: "Bob" };
const carol = { roomId: "random", userId: "u3", username: "Carol" };

describe("TypingTracker", () => {
  it("shows a notice for 5 s, per room", () => {
    const tracker = new TypingTracker();
    tracker.add(alice, 1_000);
    tracker.add(carol, 2_000);

    expect(tracker.typing("lobby", 1_000 + TYPING_SHOWN_MS - 1)).toEqual([alice]);
    expect(tracker.typing("random", 1_000 + TYPING_SHOWN_MS - 1)).toEqual([carol]);
    expect(tracker.typing("lobby", 1_000 + TYPING_SHOWN_MS)).toEqual([]);
    expect(tracker.typing("elsewhere", 0)).toEqual([]);
  });

  it("keeps showing someone who types on, in the order they started", () => {
    const tracker = new TypingTracker(5_000);
    tracker.add(alice, 0);
    tracker.add(bob, 1_000);
    tracker.add(alice, 4_000);

    expect(tracker.typing("lobby", 5_500)).toEqual([bob, alice]);
    expect(tracker.typing("lobby", 6_000)).toEqual([alice]);
  });

  it("stops showing someone whose message came", () => {
    const tracker = new TypingTracker();
    tracker.add(alice, 0);
    tracker.add(bob, 0);

    tracker.stopped("lobby", "u1");

    expect(tracker.typing("lobby", 10)).toEqual([bob]);
  });

  it("says when to look again: at the next expiry, or never when nobody types", () => {
    const tracker = new TypingTracker(5_000);
    expect(tracker.nextExpiryIn(0)).toBeUndefined();

    tracker.add(alice, 0);
    tracker.add(carol, 2_000);

    expect(tracker.nextExpiryIn(3_000)).toBe(2_000);
    tracker.typing("lobby", 5_000);
    expect(tracker.nextExpiryIn(5_000)).toBe(2_000);
  });
});
