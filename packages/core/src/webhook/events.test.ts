import { WebhookEventType } from "@chat/types";
import { describe, expect, it } from "vitest";
import { eventId, eventMappings, eventsOf, type StreamChange } from "./events";

const change = (overrides: Partial<StreamChange>): StreamChange => ({
  eventName: "REMOVE",
  eventId: "5f1c0e2d",
  keys: { pk: "$chat#roomId_team-a", sk: "$member_1#userId_U.1" },
  newImage: undefined,
  at: "2026-11-29T23:00:00.000Z",
  ...overrides,
});

describe("webhook events from stream records", () => {
  it("gives a redelivered record the same event id, and another record another", () => {
    const [first] = eventsOf(change({}));
    const [again] = eventsOf(change({}));
    const [other] = eventsOf(change({ eventId: "5f1c0e2e" }));
    expect(first?.id).toBe(again?.id);
    expect(first?.id).not.toBe(other?.id);
    expect(first?.id).toBe(eventId("member.removed", "5f1c0e2d"));
  });

  it("reads member.removed from the keys of a member row's REMOVE, and nothing from other rows' keys", () => {
    expect(eventsOf(change({}))).toEqual([
      {
        id: eventId("member.removed", "5f1c0e2d"),
        type: "member.removed",
        createdAt: "2026-11-29T23:00:00.000Z",
        data: { roomId: "team-a", userId: "U.1" },
      },
    ]);
    expect(eventsOf(change({ keys: { pk: "$chat#roomId_team-a", sk: "$ban_1#userId_U.1" } }))).toEqual([]);
    expect(eventsOf(change({ eventName: "MODIFY" }))).toEqual([]);
  });

  it("maps every event type of the contract (edits, deletes and reactions too)", () => {
    expect(Object.entries(eventMappings).filter(([, mapping]) => mapping === null)).toEqual([]);
    expect(Object.keys(eventMappings).sort()).toEqual([...WebhookEventType.options].sort());
  });
});
