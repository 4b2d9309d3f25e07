import { describe, expect, it } from "vitest";
import * as Presence from "../presence";
import * as Connection from ".";

let rooms = 0;
const newRoom = () => `conn-room-${process.pid}-${Date.now()}-${rooms++}`;
const user = { userId: "u1", username: "alice", maxConnections: 100 };

const allInRoom = async (roomId: string, limit: number) => {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page: Connection.ConnectionPage = await Connection.inRoom(roomId, { cursor, limit });
    pages.push(page.connections.map((c) => c.connectionId));
    cursor = page.cursor;
  } while (cursor);
  return pages;
};

describe("Connection", () => {
  it("lists a room's connections page by page, each exactly once", async () => {
    const roomId = newRoom();
    const ids = Array.from({ length: 7 }, (_, i) => `c${i}-${roomId}`);
    await Promise.all(ids.map((connectionId) => Connection.connect({ connectionId, roomId, ...user })));

    const pages = await allInRoom(roomId, 3);

    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.slice(0, 2).map((page) => page.length)).toEqual([3, 3]);
    expect(pages.flat().sort()).toEqual([...ids].sort());
  });

  it("reads a slice of a room: after (left out) or from (kept) a connection id, up to and with another", async () => {
    const roomId = newRoom();
    const [a, b, c, d, e] = ["a", "b", "c", "d", "e"].map((letter) => `${letter}-${roomId}`) as [
      string,
      string,
      string,
      string,
      string,
    ];
    await Promise.all(
      [a, b, c, d, e].map((connectionId) => Connection.connect({ connectionId, roomId, ...user })),
    );
    const slice = async (options: { after?: string; from?: string; until?: string }) =>
      (await Connection.inRoom(roomId, options)).connections.map((c) => c.connectionId[0]);

    expect(await slice({ after: b, until: d })).toEqual(["c", "d"]);
    expect(await slice({ from: b, until: d })).toEqual(["b", "c", "d"]);
    expect(await slice({ from: d })).toEqual(["d", "e"]);
    expect(await slice({ from: a, until: a })).toEqual(["a"]);
  });

  it("keeps rooms apart", async () => {
    const [a, b] = [newRoom(), newRoom()];
    await Connection.connect({ connectionId: `x-${a}`, roomId: a, ...user });
    await Connection.connect({ connectionId: `y-${b}`, roomId: b, ...user });

    expect((await allInRoom(a, 10)).flat()).toEqual([`x-${a}`]);
    expect((await allInRoom(b, 10)).flat()).toEqual([`y-${b}`]);
  });

  it("stores who is connected, since when, and when the row expires", async () => {
    const roomId = newRoom();
    const before = Math.floor(Date.now() / 1000);
    await Connection.connect({ connectionId: `c-${roomId}`, roomId, ...user });

    const { data: row } = await Connection.ConnectionEntity.get({ connectionId: `c-${roomId}`, roomId }).go();
    const [listener] = (await Connection.inRoom(roomId)).connections;

    expect(row).toMatchObject({ connectionId: `c-${roomId}`, roomId, userId: "u1", username: "alice" });
    expect(Date.parse(row?.connectedAt ?? "")).toBeGreaterThanOrEqual(before * 1000);
    expect(row?.expiresAt).toBeGreaterThanOrEqual(before + 3 * 60 * 60);
    expect(listener).toEqual({ connectionId: `c-${roomId}`, connectedAt: row?.connectedAt });
  });

  it("removes every row of a connection on disconnect, and tolerates an unknown one", async () => {
    const [a, b] = [newRoom(), newRoom()];
    const connectionId = `multi-${a}`;
    await Connection.connect({ connectionId, roomId: a, ...user });
    await Connection.connect({ connectionId, roomId: b, ...user });
    await Connection.connect({ connectionId: `other-${a}`, roomId: a, ...user });

    await Connection.disconnect(connectionId);
    await Connection.disconnect("never-connected");

    expect((await allInRoom(a, 10)).flat()).toEqual([`other-${a}`]);
    expect((await allInRoom(b, 10)).flat()).toEqual([]);
  });
});

describe("Connection subscriptions and presence", () => {
  /** A registered connection (its first room is a room of its own), as `$connect` leaves it. */
  const session = async (connectionId: string, userId = "u1") => {
    const result = await Connection.connect({
      connectionId,
      roomId: `home-${connectionId}`.slice(0, 64).toLowerCase(),
      userId,
      username: userId.toUpperCase(),
      maxConnections: 100,
    });
    if (!result.connected) throw new Error("not connected");
    return result.session;
  };

  it("reports a join for a user's first connection in a room and a leave for their last", async () => {
    const roomId = newRoom();
    const [a, b] = [await session(`a-${roomId}`), await session(`b-${roomId}`)];

    const firstJoin = await Connection.subscribe(a, roomId);
    const secondJoin = await Connection.subscribe(b, roomId);
    const again = await Connection.subscribe(a, roomId);
    const firstLeave = await Connection.unsubscribe(a, roomId);
    const lastDeparture = await Connection.unsubscribe(b, roomId);
    const lastLeave = lastDeparture && (await Presence.settle(lastDeparture, { settleMs: 0 }));

    expect(firstJoin).toEqual({ roomId, userId: "u1", username: "U1" });
    expect([secondJoin, again, firstLeave]).toEqual([null, null, null]);
    expect(lastLeave).toEqual({ roomId, userId: "u1", username: "U1" });
  });

  it("announces nothing when a user leaves and comes back before the leave settles", async () => {
    const roomId = newRoom();
    const a = await session(`flap-${roomId}`);
    const join = await Connection.subscribe(a, roomId);

    const departure = await Connection.unsubscribe(a, roomId);
    const settling = departure && Presence.settle(departure, { settleMs: 300 });
    const rejoin = await Connection.subscribe(a, roomId);

    expect(join).not.toBeNull();
    expect(departure).not.toBeNull();
    expect([await settling, rejoin]).toEqual([null, null]);
    expect((await Presence.list(roomId)).map((m) => m.userId)).toEqual(["u1"]);
  });

  it("lists one member per user, however many connections they have", async () => {
    const roomId = newRoom();
    await Connection.subscribe(await session(`a-${roomId}`, "alice"), roomId);
    await Connection.subscribe(await session(`b-${roomId}`, "alice"), roomId);
    await Connection.subscribe(await session(`c-${roomId}`, "bob"), roomId);

    const members = await Presence.list(roomId);

    expect(members.map((m) => m.userId).sort()).toEqual(["alice", "bob"]);
    expect(members.find((m) => m.userId === "alice")?.username).toBe("ALICE");
  });

  it("refuses a 21st room on one connection, and frees a place on unsubscribe", async () => {
    const base = newRoom();
    const s = await session(`many-${base}`);
    for (let i = 1; i < 20; i++) await Connection.subscribe(s, `${base}-${i}`);

    await expect(Connection.subscribe(s, `${base}-20`)).rejects.toMatchObject({ code: "forbidden" });
    expect(await Connection.subscribe(s, `${base}-3`)).toBeNull();
    await Connection.unsubscribe(s, `${base}-3`);
    await expect(Connection.subscribe(s, `${base}-20`)).resolves.not.toBeNull();
  });

  it("holds the room cap when 40 subscribes arrive at once", async () => {
    const base = newRoom();
    const s = await session(`race-${base}`);

    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => Connection.subscribe(s, `${base}-${i}`)),
    );

    const { data: rooms } = await Connection.ConnectionEntity.query
      .byConnection({ connectionId: s.connectionId })
      .go({ pages: "all" });
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(19);
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(21);
    expect(rooms).toHaveLength(20);
  });

  it("holds the connection cap when 25 connections of one user arrive at once, and frees places on disconnect", async () => {
    const roomId = newRoom();
    const userId = `capped-${roomId}`;
    const attempt = (i: number) =>
      Connection.connect({
        connectionId: `${i}-${roomId}`,
        roomId,
        userId,
        username: "C",
        maxConnections: 10,
      });

    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => attempt(i)));

    const accepted = results.flatMap((r) => (r.connected ? [r.session.connectionId] : []));
    expect(accepted).toHaveLength(10);
    expect(await Connection.ofUser(userId)).toHaveLength(10);
    expect((await attempt(100)).connected).toBe(false);
    await Connection.disconnect(accepted[0] ?? "");
    await Connection.disconnect(accepted[0] ?? "");
    expect((await attempt(101)).connected).toBe(true);
    expect((await attempt(102)).connected).toBe(false);
  });

  it("recounts a user's connections when rows vanished without a disconnect", async () => {
    const roomId = newRoom();
    const userId = `ghost-${roomId}`;
    const attempt = (i: number) =>
      Connection.connect({
        connectionId: `${i}-${roomId}`,
        roomId,
        userId,
        username: "G",
        maxConnections: 2,
      });
    await attempt(1);
    await attempt(2);
    // As TTL would: the row goes, the counter stays.
    await Connection.UserConnectionEntity.delete({ userId, connectionId: `1-${roomId}` }).go();
    expect((await attempt(3)).connected).toBe(false);

    await Connection.recount(userId);

    expect((await attempt(3)).connected).toBe(true);
  });

  it("reports the rooms a disconnect leaves empty of the user, and forgets the session", async () => {
    const [a, b] = [newRoom(), newRoom()];
    const connectionId = `d-${a}`;
    await Connection.connect({
      connectionId,
      roomId: a,
      userId: "dora",
      username: "Dora",
      maxConnections: 100,
    });
    await Connection.subscribe(await session(`other-${a}`, "dora"), a);
    const current = await Connection.session(connectionId);
    if (!current) throw new Error("no session");
    await Connection.subscribe(current, b);

    const changes = await Connection.disconnect(connectionId);

    expect(changes).toEqual([{ roomId: b, userId: "dora", username: "Dora" }]);
    expect(await Connection.session(connectionId)).toBeNull();
    expect((await Presence.list(a)).map((m) => m.userId)).toEqual(["dora"]);
    expect(await Presence.list(b)).toEqual([]);
  });
});
