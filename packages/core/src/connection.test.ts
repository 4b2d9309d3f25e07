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
