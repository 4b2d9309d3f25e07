import { describe, expect, it } from "vitest";
import * as Connection from "../connection";
import * as Presence from ".";

let rooms = 0;
const newRoom = () => `occ-${process.pid}-${Date.now()}-${rooms++}`;

/** Users connected to a room, counted the old way: from its presence rows. */
const presentUsers = async (roomId: string) => (await Presence.list(roomId)).length;

const connect = async (connectionId: string, roomId: string, userId: string) => {
  const result = await Connection.connect({
    connectionId,
    roomId,
    userId,
    username: userId.toUpperCase(),
    maxConnections: 100,
  });
  if (!result.connected) throw new Error("not connected");
  return result.session;
};

describe("Presence.count (a room's online users)", () => {
  it("counts users, not connections, and reads no presence row", async () => {
    const roomId = newRoom();
    await connect(`a1-${roomId}`, roomId, "alice");
    await connect(`a2-${roomId}`, roomId, "alice");
    await connect(`b1-${roomId}`, roomId, "bob");
    expect(await Presence.count(roomId)).toBe(2);

    // The presence rows are not what is counted: deleting one leaves the count as it was.
    await Presence.PresenceEntity.delete({ roomId, userId: "bob" }).go();
    expect(await Presence.count(roomId)).toBe(2);
  });

  it("answers a rough count from this process's own last move of the counter, and reads it once that is old", async () => {
    const roomId = newRoom();
    await connect(`r1-${roomId}`, roomId, "rita");
    await connect(`s1-${roomId}`, roomId, "sam");
    // Another process's move, as the table has it: this process did not see it.
    await Presence.OccupancyEntity.update({ roomId }).add({ online: 5 }).go();

    expect(await Presence.roughCount(roomId)).toBe(2);
    expect(await Presence.roughCount(roomId, { maxAgeMs: 0 })).toBe(7);
    expect(await Presence.count(roomId)).toBe(7);
  });

  it("announces a user's arrival once, however many of their connections arrive at once", async () => {
    const roomId = newRoom();
    const arrivals = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        Connection.connect({
          connectionId: `t${i}-${roomId}`,
          roomId,
          userId: "tess",
          username: "TESS",
          maxConnections: 100,
        }),
      ),
    );

    expect(arrivals.filter((result) => result.connected && result.presence !== null)).toHaveLength(1);
    expect(await Presence.count(roomId)).toBe(1);
  });

  it("drops a user only with their last connection, and a repeated disconnect only once", async () => {
    const roomId = newRoom();
    await connect(`a1-${roomId}`, roomId, "alice");
    await connect(`a2-${roomId}`, roomId, "alice");
    await connect(`b1-${roomId}`, roomId, "bob");

    await Connection.disconnect(`a1-${roomId}`);
    await Connection.disconnect(`a1-${roomId}`);
    expect(await Presence.count(roomId)).toBe(2);

    await Promise.all([Connection.disconnect(`b1-${roomId}`), Connection.disconnect(`b1-${roomId}`)]);
    expect(await Presence.count(roomId)).toBe(1);

    await Connection.disconnect(`a2-${roomId}`);
    await Connection.disconnect(`a2-${roomId}`);
    expect(await Presence.count(roomId)).toBe(0);
  });

  it("follows subscribe, unsubscribe and revoke, never below zero", async () => {
    const roomId = newRoom();
    const s1 = await connect(`s1-${roomId}`, `home-${roomId}`, "carol");
    const s2 = await connect(`s2-${roomId}`, `home2-${roomId}`, "carol");

    await Connection.subscribe(s1, roomId);
    await Connection.subscribe(s1, roomId);
    await Connection.subscribe(s2, roomId);
    expect(await Presence.count(roomId)).toBe(1);

    await Connection.unsubscribe(s1, roomId);
    await Connection.unsubscribe(s1, roomId);
    expect(await Presence.count(roomId)).toBe(1);

    await Connection.revoke(roomId, "carol");
    await Connection.revoke(roomId, "carol");
    await Connection.unsubscribe(s2, roomId);
    expect(await Presence.count(roomId)).toBe(0);
    expect(await presentUsers(roomId)).toBe(0);
  });

  it("ends exact after concurrent connects, disconnects, repeated disconnects and unsubscribes", async () => {
    const roomId = newRoom();
    // 30 users, some with two connections; all connect at once.
    const plan = Array.from({ length: 30 }, (_, i) => ({
      userId: `user-${i}`,
      connections: Array.from({ length: i % 3 === 0 ? 2 : 1 }, (_, c) => `${roomId}-${i}-${c}`),
    }));
    await Promise.all(
      plan.flatMap(({ userId, connections }) => connections.map((id) => connect(id, roomId, userId))),
    );
    expect(await Presence.count(roomId)).toBe(30);

    // At once: users 0–9 lose every connection (each disconnect sent twice, as a prune racing `$disconnect`
    // would), users 10–19 lose their first connection only, and 10 new users arrive.
    const newcomers = Array.from({ length: 10 }, (_, i) => `new-${i}`);
    await Promise.all([
      ...plan
        .slice(0, 10)
        .flatMap(({ connections }) =>
          connections.flatMap((id) => [Connection.disconnect(id), Connection.disconnect(id)]),
        ),
      ...plan.slice(10, 20).map(({ connections }) => Connection.disconnect(connections[0] ?? "")),
      ...newcomers.map((userId) => connect(`${roomId}-${userId}`, roomId, userId)),
    ]);

    // Users 10–19 with one connection are gone, those with two (12, 15, 18) stay.
    const expected = 10 + 3 + 10;
    expect(await Presence.count(roomId)).toBe(expected);
    expect(await presentUsers(roomId)).toBe(expected);
  }, 60_000);
});
