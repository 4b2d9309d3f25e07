import { describe, expect, it } from "vitest";
import * as Connection from "./connection";

let rooms = 0;
const newRoom = () => `conn-room-${process.pid}-${Date.now()}-${rooms++}`;
const user = { userId: "u1", username: "alice" };

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

    expect(row).toMatchObject({ connectionId: `c-${roomId}`, roomId, ...user });
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
  const session = (connectionId: string, userId = "u1") => ({
    connectionId,
    userId,
    username: userId.toUpperCase(),
    connectedAt: new Date().toISOString(),
  });

  it("reports a join for a user's first connection in a room and a leave for their last", async () => {
    const roomId = newRoom();
    const [a, b] = [session(`a-${roomId}`), session(`b-${roomId}`)];

    const firstJoin = await Connection.subscribe(a, roomId);
    const secondJoin = await Connection.subscribe(b, roomId);
    const again = await Connection.subscribe(a, roomId);
    const firstLeave = await Connection.unsubscribe(a, roomId);
    const lastLeave = await Connection.unsubscribe(b, roomId);

    expect(firstJoin).toEqual({ roomId, userId: "u1", username: "U1" });
    expect([secondJoin, again, firstLeave]).toEqual([null, null, null]);
    expect(lastLeave).toEqual({ roomId, userId: "u1", username: "U1" });
  });

  it("lists one member per user, however many connections they have", async () => {
    const roomId = newRoom();
    await Connection.subscribe(session(`a-${roomId}`, "alice"), roomId);
    await Connection.subscribe(session(`b-${roomId}`, "alice"), roomId);
    await Connection.subscribe(session(`c-${roomId}`, "bob"), roomId);

    const members = await Connection.members(roomId);

    expect(members.map((m) => m.userId).sort()).toEqual(["alice", "bob"]);
    expect(members.find((m) => m.userId === "alice")?.username).toBe("ALICE");
  });

  it("refuses a 21st room on one connection", async () => {
    const base = newRoom();
    const s = session(`many-${base}`);
    for (let i = 0; i < 20; i++) await Connection.subscribe(s, `${base}-${i}`);

    await expect(Connection.subscribe(s, `${base}-20`)).rejects.toMatchObject({ code: "forbidden" });
    expect(await Connection.subscribe(s, `${base}-3`)).toBeNull();
  });

  it("reports the rooms a disconnect leaves empty of the user, and forgets the session", async () => {
    const [a, b] = [newRoom(), newRoom()];
    const connectionId = `d-${a}`;
    await Connection.connect({ connectionId, roomId: a, userId: "dora", username: "Dora" });
    const kept = session(`other-${a}`, "dora");
    await Connection.subscribe(kept, a);
    const current = await Connection.session(connectionId);
    if (!current) throw new Error("no session");
    await Connection.subscribe(current, b);

    const changes = await Connection.disconnect(connectionId);

    expect(changes).toEqual([{ roomId: b, userId: "dora", username: "Dora" }]);
    expect(await Connection.session(connectionId)).toBeNull();
    expect((await Connection.members(a)).map((m) => m.userId)).toEqual(["dora"]);
    expect(await Connection.members(b)).toEqual([]);
  });
});
