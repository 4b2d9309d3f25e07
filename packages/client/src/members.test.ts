import type { PresentUser } from "@chat/types";
import { describe, expect, it } from "vitest";
import { RoomMembers } from "./members";

// No socket and no API: a stand-in for the REST API's `members` that answers when the test says so.
const member = (userId: string): PresentUser => ({
  userId,
  username: userId,
  connectedAt: "2026-11-29T20:00:00.000Z",
});

const heldAnswer = () => {
  let answer: (members: PresentUser[]) => void = () => undefined;
  const api = { members: () => new Promise<PresentUser[]>((resolve) => (answer = resolve)) };
  return { api, answer: (members: PresentUser[]) => answer(members) };
};

const userIds = (members: PresentUser[]) => members.map(({ userId }) => userId).sort();

describe("RoomMembers", () => {
  it("applies presence that arrives during a read on top of what the read returns", async () => {
    const { api, answer } = heldAnswer();
    const members = new RoomMembers("room", api);

    const reading = members.read();
    const changedWhileReading = [
      members.presence({ roomId: "room", event: "join", userId: "carol", username: "carol" }),
      members.presence({ roomId: "room", event: "leave", userId: "bob", username: "bob" }),
    ];
    answer([member("alice"), member("bob")]);
    const read = await reading;

    expect(changedWhileReading).toEqual([false, false]);
    expect(read).toBe(true);
    expect(userIds(members.list)).toEqual(["alice", "carol"]);
  });

  it("keeps the list by presence once read, and ignores presence before the first read", async () => {
    const { api, answer } = heldAnswer();
    const members = new RoomMembers("room", api);

    const before = members.presence({ roomId: "room", event: "join", userId: "early", username: "early" });
    const reading = members.read();
    answer([member("alice")]);
    await reading;
    const joined = members.presence({ roomId: "room", event: "join", userId: "dan", username: "dan" });
    const left = members.presence({ roomId: "room", event: "leave", userId: "alice", username: "alice" });

    expect([before, joined, left]).toEqual([false, true, true]);
    expect(userIds(members.list)).toEqual(["dan"]);
  });

  it("changes nothing when the room is left while its members are read", async () => {
    const { api, answer } = heldAnswer();
    const members = new RoomMembers("room", api);

    const reading = members.read();
    members.stop();
    answer([member("alice")]);

    expect(await reading).toBe(false);
    expect(members.list).toEqual([]);
  });
});
