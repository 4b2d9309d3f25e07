import { describe, expect, it } from "vitest";
import * as Connection from "../connection";
import * as Member from "../member";
import * as Message from "../message";
import * as Room from ".";

let n = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${n++}`;
const user = (userId: string, admin = false): Room.Caller => ({
  userId,
  username: userId.toUpperCase(),
  admin,
});

describe("Room.create and Room.get", () => {
  it("creates a room with its caller as owner, and refuses the same id again with conflict", async () => {
    const roomId = unique("created");
    const alice = user(`alice-${roomId}`);

    const room = await Room.create({ roomId, kind: "private", name: "  Team  " }, alice);
    const again = await Room.create({ roomId, kind: "public" }, user("bob")).catch((error: unknown) => error);
    const view = await Room.get(roomId, alice);

    expect(room).toMatchObject({ roomId, kind: "private", createdBy: alice.userId });
    expect(again).toMatchObject({ code: "conflict" });
    expect(view).toEqual({ room, role: "owner", online: 0 });
  });

  it("answers not_found for an unknown room and forbidden to an outsider of a private one", async () => {
    const roomId = unique("secret");
    await Room.create({ roomId, kind: "private" }, user(`o-${roomId}`));

    await expect(Room.get(unique("none"), user("u1"))).rejects.toMatchObject({ code: "not_found" });
    await expect(Room.get(roomId, user("stranger"))).rejects.toMatchObject({ code: "forbidden" });
    await expect(Room.get(roomId, user("boss", true))).resolves.toMatchObject({ role: "owner" });
  });

  it("always has general: public, nobody's", async () => {
    const view = await Room.get("general", user("u1"));

    expect(view.room).toMatchObject({ roomId: "general", kind: "public", createdBy: null });
    await expect(Room.create({ roomId: "general", kind: "public" }, user("u1"))).rejects.toMatchObject({
      code: "conflict",
    });
  });

  it("counts the users connected to the room as online", async () => {
    const roomId = unique("busy");
    await Room.create({ roomId, kind: "public" }, user(`o-${roomId}`));
    for (const [i, userId] of ["ann", "ann", "ben"].entries()) {
      const result = await Connection.connect({
        connectionId: `${roomId}-${i}`,
        roomId,
        userId,
        username: userId,
        maxConnections: 10,
      });
      if (result.connected) await Connection.subscribe(result.session, roomId);
    }

    expect((await Room.get(roomId, user("x"))).online).toBe(2);
  });
});

describe("Room.listPublic", () => {
  it("lists public rooms only, by id, page by page with an opaque cursor", async () => {
    const prefix = unique("list");
    const owner = user(`o-${prefix}`);
    for (const suffix of ["a", "b", "c", "d", "e"]) {
      await Room.create({ roomId: `${prefix}-${suffix}`, kind: "public" }, owner);
    }
    await Room.create({ roomId: `${prefix}-p`, kind: "private" }, owner);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await Room.listPublic({ limit: 2, ...(cursor && { cursor }) });
      seen.push(...page.items.map((room) => room.roomId));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 1000);

    expect(seen.filter((id) => id.startsWith(prefix))).toEqual(
      ["a", "b", "c", "d", "e"].map((s) => `${prefix}-${s}`),
    );
    expect(seen).toContain("general");
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("refuses a malformed or edited cursor with validation_failed", async () => {
    await expect(Room.listPublic({ limit: 2, cursor: "not-a-cursor" })).rejects.toMatchObject({
      code: "validation_failed",
    });
    const edited = Buffer.from(JSON.stringify([1, 2])).toString("base64url");
    await expect(Room.listPublic({ limit: 2, cursor: edited })).rejects.toMatchObject({
      code: "validation_failed",
    });
  });
});

describe("Room.ensureDirect", () => {
  it("gives both users the same room, created once with both as members and no owner", async () => {
    const [a, b] = [user(`Ann.${unique("d")}@x`), user(`bob:${unique("d")}`)];

    const first = await Room.ensureDirect(a, b.userId);
    const second = await Room.ensureDirect(b, a.userId);
    const members = await Member.list(first.room.roomId, a, { limit: 10 });

    expect(first.created).toBe(true);
    expect(second).toEqual({ room: first.room, created: false });
    expect(first.room.roomId).toMatch(/^dm-[0-9a-f]{40}$/);
    expect(first.room.roomId).toBe(Room.directRoomId(b.userId, a.userId));
    expect(members.items.map((m) => [m.userId, m.role, m.username]).sort()).toEqual(
      [
        [a.userId, "member", a.username],
        [b.userId, "member", b.username],
      ].sort(),
    );
    await expect(Room.get(first.room.roomId, user("eve", true))).rejects.toMatchObject({ code: "forbidden" });
  });

  it("refuses a direct room with oneself", async () => {
    await expect(Room.ensureDirect(user("solo"), "solo")).rejects.toMatchObject({
      code: "validation_failed",
    });
  });
});

describe("Room.access and Room.preparePost", () => {
  it("reads the room, membership, ban and mute of a caller in one go", async () => {
    const roomId = unique("acc");
    const owner = user(`o-${roomId}`);
    await Room.create({ roomId, kind: "public" }, owner);
    await Member.put(roomId, owner, "mia");
    await Member.mute(roomId, owner, "mia");

    const mia = await Room.access(roomId, { userId: "mia" });
    const nobody = await Room.access(unique("none"), { userId: "mia" });

    expect(mia).toMatchObject({
      room: { roomId, kind: "public" },
      membership: { role: "member" },
      muted: true,
    });
    expect(mia.banned).toBe(false);
    expect(nobody).toEqual({ room: null, membership: null, banned: false, muted: false });
  });

  it("creates an unknown room public with the poster as owner, and makes a first poster a member", async () => {
    const roomId = unique("post");
    const [first, second] = [user(`p1-${roomId}`), user(`p2-${roomId}`)];

    await Room.preparePost(roomId, first);
    await Room.preparePost(roomId, second);
    const again = await Room.preparePost(roomId, second);
    const { items } = await Member.list(roomId, first, { limit: 10 });

    expect((await Room.get(roomId, first)).room).toMatchObject({ kind: "public", createdBy: first.userId });
    expect(items.map((m) => [m.userId, m.role])).toEqual([
      [first.userId, "owner"],
      [second.userId, "member"],
    ]);
    expect(again.membership?.role).toBe("member");
  });

  it("refuses posts from outsiders of private rooms, the muted and the banned", async () => {
    const roomId = unique("closed");
    const owner = user(`o-${roomId}`);
    await Room.create({ roomId, kind: "private" }, owner);
    await Member.put(roomId, owner, "quiet");
    await Member.mute(roomId, owner, "quiet");
    const open = unique("open");
    await Room.create({ roomId: open, kind: "public" }, owner);
    await (await import("../ban")).put(open, owner, "troll");

    await expect(Room.preparePost(roomId, user("stranger"))).rejects.toMatchObject({ code: "forbidden" });
    await expect(Room.preparePost(roomId, user("quiet"))).rejects.toMatchObject({ code: "forbidden" });
    await expect(Room.preparePost(open, user("troll"))).rejects.toMatchObject({ code: "forbidden" });
    await expect(Room.preparePost(roomId, owner)).resolves.toMatchObject({ membership: { role: "owner" } });
  });

  it("returns the room's blocklist with the access, and none for a room without one", async () => {
    const roomId = unique("words");
    const owner = user(`o-${roomId}`);
    await Room.create({ roomId, kind: "public" }, owner);
    await (await import("../blocklist")).put(roomId, owner, ["Spam", "eggs"]);

    expect((await Room.preparePost(roomId, owner)).blocklist).toEqual(["eggs", "spam"]);
    expect((await Room.preparePost(unique("plain"), owner)).blocklist).toEqual([]);
    // Only a send asks for it: the other edges' access carries no blocklist.
    expect(await Room.access(roomId, owner)).not.toHaveProperty("blocklist");
  });

  it("lets general be posted to, and lists it with its first poster as a member", async () => {
    const poster = user(unique("g"));
    await Room.preparePost("general", poster);
    const { room } = await Message.send({ roomId: "general", ...poster, text: "hi" }).then(() =>
      Room.get("general", poster),
    );

    expect(room).toMatchObject({ roomId: "general", createdBy: null });
    expect((await Room.access("general", poster)).membership?.role).toBe("member");
  });
});

describe("direct room ids", () => {
  it("cannot be taken before the pair opens their room: not by creating it, not by posting to it", async () => {
    const [a, b] = [user(unique("a")), user(unique("b"))];
    const roomId = Room.directRoomId(a.userId, b.userId);

    const created = await Room.create({ roomId, kind: "public" }, user("squatter")).catch(
      (error: unknown) => error,
    );
    const posted = await Room.preparePost(roomId, user("squatter")).catch((error: unknown) => error);
    const opened = await Room.ensureDirect(a, b.userId);

    expect(created).toMatchObject({ code: "validation_failed" });
    expect(posted).toMatchObject({ code: "forbidden" });
    expect(opened).toMatchObject({ created: true, room: { roomId, kind: "direct" } });
  });

  it("reads a stored room without a kind as public", async () => {
    const roomId = unique("legacy");
    const { PutCommand } = await import("@aws-sdk/lib-dynamodb");
    const { documentClient, tableName } = await import("../dynamo");
    const key = Room.RoomEntity.get({ roomId }).params().Key as Record<string, unknown>;
    // As a row written before kinds existed: no `kind`, no owner count.
    await documentClient.send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...key,
          room: roomId,
          createdAt: new Date().toISOString(),
          __edb_e__: "room",
          __edb_v__: "1",
        },
      }),
    );

    expect((await Room.access(roomId, { userId: "u1" })).room).toMatchObject({ roomId, kind: "public" });
  });
});
