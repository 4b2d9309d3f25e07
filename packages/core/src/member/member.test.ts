import { describe, expect, it } from "vitest";
import * as Ban from "../ban";
import * as Connection from "../connection";
import * as Message from "../message";
import * as Room from "../room";
import * as Member from ".";

let n = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${n++}`;
const user = (userId: string, admin = false): Room.Caller => ({
  userId,
  username: userId.toUpperCase(),
  admin,
});

/** A room owned by `o-<roomId>` with a moderator `mod` and a member `mem`. */
const staffedRoom = async (kind: "public" | "private" = "public") => {
  const roomId = unique(kind);
  const owner = user(`o-${roomId}`);
  await Room.create({ roomId, kind }, owner);
  await Member.put(roomId, owner, "mod", { role: "moderator" });
  await Member.put(roomId, owner, "mem");
  return { roomId, owner, mod: user("mod"), mem: user("mem") };
};

describe("Member.put", () => {
  it("adds (created) and changes (not created) members, with the owner count kept", async () => {
    const { roomId, owner } = await staffedRoom();

    const promoted = await Member.put(roomId, owner, "mem", { role: "owner" });
    const unchanged = await Member.put(roomId, owner, "mem");
    const added = await Member.put(roomId, owner, "new");

    expect(promoted).toMatchObject({ created: false, member: { userId: "mem", role: "owner" } });
    expect(unchanged.created).toBe(false);
    expect(added).toMatchObject({
      created: true,
      member: { userId: "new", role: "member", mutedUntil: null },
    });
    // Two owners now: the first may leave.
    await expect(Member.remove(roomId, owner, owner.userId)).resolves.toMatchObject({
      reason: "left",
      member: { role: "owner" },
    });
  });

  it("lets anyone join a public room but nobody join a private one uninvited", async () => {
    const open = await staffedRoom("public");
    const closed = await staffedRoom("private");

    await expect(Member.put(open.roomId, user("walker"), "walker")).resolves.toMatchObject({ created: true });
    await expect(Member.put(closed.roomId, user("walker"), "walker")).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(Member.put(closed.roomId, closed.mod, "guest")).resolves.toMatchObject({ created: true });
    await expect(
      Member.put(closed.roomId, closed.mod, "guest2", { role: "moderator" }),
    ).rejects.toMatchObject({
      code: "forbidden",
    });
  });

  it("refuses the last owner stepping down or leaving with conflict", async () => {
    const { roomId, owner } = await staffedRoom();

    await expect(Member.put(roomId, owner, owner.userId, { role: "member" })).rejects.toMatchObject({
      code: "conflict",
    });
    await expect(Member.remove(roomId, owner, owner.userId)).rejects.toMatchObject({ code: "conflict" });
  });
});

describe("Member.remove", () => {
  it("lets moderators remove members but not moderators, and owners anyone", async () => {
    const { roomId, owner, mod } = await staffedRoom();
    await Member.put(roomId, owner, "mod2", { role: "moderator" });

    await expect(Member.remove(roomId, mod, "mod2")).rejects.toMatchObject({ code: "forbidden" });
    await expect(Member.remove(roomId, mod, "mem")).resolves.toMatchObject({
      reason: "removed",
      member: { userId: "mem" },
    });
    await expect(Member.remove(roomId, mod, "mem")).rejects.toMatchObject({ code: "not_found" });
    await expect(Member.remove(roomId, owner, "mod2")).resolves.toMatchObject({
      reason: "removed",
      member: { role: "moderator" },
    });
  });

  it("refuses leaving a direct room", async () => {
    const a = user(unique("a"));
    const { room } = await Room.ensureDirect(a, "b");

    await expect(Member.remove(room.roomId, a, a.userId)).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("Member.list", () => {
  it("pages through members by user id, with online read from presence", async () => {
    const { roomId, owner } = await staffedRoom();
    for (const id of ["m1", "m2", "m3"]) await Member.put(roomId, owner, id);
    const connected = await Connection.connect({
      connectionId: `c-${roomId}`,
      roomId,
      userId: "m2",
      username: "M2",
      maxConnections: 10,
    });
    if (connected.connected) await Connection.subscribe(connected.session, roomId);

    const first = await Member.list(roomId, owner, { limit: 4 });
    const second = await Member.list(roomId, owner, { limit: 4, cursor: first.nextCursor ?? "" });

    const all = [...first.items, ...second.items];
    expect(all.map((m) => m.userId)).toEqual(["m1", "m2", "m3", "mem", "mod", owner.userId]);
    expect(second.nextCursor).toBeNull();
    expect(all.filter((m) => m.online).map((m) => m.userId)).toEqual(["m2"]);
  });

  it("answers not_found for an unknown room and forbidden to outsiders of a private room", async () => {
    const { roomId } = await staffedRoom("private");

    await expect(Member.list(unique("nope"), user("x"), { limit: 5 })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(Member.list(roomId, user("x"), { limit: 5 })).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("Member.mute and unmute", () => {
  it("mutes until a time, after which it no longer counts, and unmutes", async () => {
    const { roomId, mod } = await staffedRoom();

    await Member.mute(roomId, mod, "mem", new Date(Date.now() + 60_000).toISOString());
    const muted = await Room.access(roomId, { userId: "mem" });
    await Member.unmute(roomId, mod, "mem");
    const unmuted = await Room.access(roomId, { userId: "mem" });

    expect(muted.muted).toBe(true);
    expect(unmuted.muted).toBe(false);
  });

  it("answers not_found for a non-member, forbidden for an owner, validation_failed for a past time", async () => {
    const { roomId, owner, mod } = await staffedRoom();

    await expect(Member.mute(roomId, mod, "ghost")).rejects.toMatchObject({ code: "not_found" });
    await expect(Member.mute(roomId, mod, owner.userId)).rejects.toMatchObject({ code: "forbidden" });
    await expect(Member.mute(roomId, mod, "mem", "2020-01-01T00:00:00.000Z")).rejects.toMatchObject({
      code: "validation_failed",
    });
  });
});

describe("Ban", () => {
  it("bans: removes the membership, refuses rejoining, lists it, and unbans", async () => {
    const { roomId, mod } = await staffedRoom();

    const { member } = await Ban.put(roomId, mod, "mem", { reason: "spam" });
    const rejoin = await Member.put(roomId, user("mem"), "mem").catch((error: unknown) => error);
    const bans = await Ban.list(roomId, mod, { limit: 10 });
    await Ban.remove(roomId, mod, "mem");

    expect(member).toMatchObject({ userId: "mem", role: "member", online: false });
    expect(rejoin).toMatchObject({ code: "forbidden" });
    expect(bans.items).toEqual([
      { userId: "mem", reason: "spam", until: null, bannedBy: "mod", bannedAt: expect.any(String) },
    ]);
    await expect(Member.put(roomId, user("mem"), "mem")).resolves.toMatchObject({ created: true });
  });

  it("leaves out a ban past its end", async () => {
    const { roomId, owner } = await staffedRoom();
    await Ban.put(roomId, owner, "brief", { until: new Date(Date.now() + 1_000).toISOString() });

    const during = await Room.access(roomId, { userId: "brief" });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const after = await Room.access(roomId, { userId: "brief" });

    expect(during.banned).toBe(true);
    expect(after.banned).toBe(false);
    expect((await Ban.list(roomId, owner, { limit: 10 })).items).toEqual([]);
  });

  it("lets only moderators and owners ban, and not owners", async () => {
    const { roomId, owner, mem } = await staffedRoom();

    await expect(Ban.put(roomId, mem, "x")).rejects.toMatchObject({ code: "forbidden" });
    await expect(Ban.put(roomId, user("mod"), owner.userId)).rejects.toMatchObject({ code: "forbidden" });
    await expect(Ban.list(roomId, mem, { limit: 10 })).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("Member.rooms", () => {
  it("lists the caller's rooms, latest activity first, with their newest message", async () => {
    const me = user(unique("me"));
    const [quiet, old, recent] = [unique("quiet"), unique("old"), unique("recent")];
    await Room.create({ roomId: quiet, kind: "private" }, me);
    for (const roomId of [old, recent]) {
      await Room.preparePost(roomId, me);
      await Message.send({ roomId, ...me, text: `in ${roomId}` });
    }

    const first = await Member.rooms(me, { limit: 2 });
    const second = await Member.rooms(me, { limit: 2, cursor: first.nextCursor ?? "" });

    const entries = [...first.items, ...second.items];
    expect(entries.map((e) => e.room.roomId)).toEqual([recent, old, quiet]);
    expect(entries.map((e) => e.role)).toEqual(["owner", "owner", "owner"]);
    expect(entries[0]?.lastMessage?.text).toBe(`in ${recent}`);
    expect(entries[2]?.lastMessage).toBeNull();
    expect(second.nextCursor).toBeNull();
  });
});

describe("Connection.revoke", () => {
  it("ends a user's subscriptions to one room on all their connections, and only that room", async () => {
    const roomId = unique("revoke");
    const userId = `u-${roomId}`;
    const ids: string[] = [];
    for (const i of [1, 2]) {
      const result = await Connection.connect({
        connectionId: `${roomId}-${i}`,
        roomId: `${roomId}-home`,
        userId,
        username: "U",
        maxConnections: 10,
      });
      if (!result.connected) throw new Error("not connected");
      await Connection.subscribe(result.session, roomId);
      ids.push(result.session.connectionId);
    }

    const revoked = await Connection.revoke(roomId, userId);
    const again = await Connection.revoke(roomId, userId);

    expect(revoked.connectionIds.sort()).toEqual(ids.sort());
    expect(revoked.departure).toMatchObject({ roomId, userId });
    expect(again.connectionIds).toEqual([]);
    expect((await Connection.inRoom(roomId)).connections).toEqual([]);
    expect((await Connection.inRoom(`${roomId}-home`)).connections).toHaveLength(2);
  });
});
