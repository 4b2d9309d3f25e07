import { type CapacityUse, totalUnits } from "../lib/capacity";
import { startHost } from "../lib/host";
import { type BenchContext, ms, type Row, type ScenarioResult } from "../lib/scenario";
import { summarize } from "../lib/stats";
import { storageEnvironment } from "../lib/storage";
import { hostEnvironment } from "../lib/table";

type Read = { found?: number; online?: number; uses: CapacityUse[] };
type Timed = Read & { durations: number[]; unreadTotal: number };

const calls = (uses: CapacityUse[]) => {
  const counts = new Map<string, number>();
  for (const { operation } of uses) counts.set(operation, (counts.get(operation) ?? 0) + 1);
  return [...counts].map(([operation, n]) => `${n} ${operation}`).join(" + ");
};

const row = (scenario: string, read: Read): Row => ({
  scenario,
  ours: `${totalUnits(read.uses)} RCU (${calls(read.uses)})`,
  baseline: "—",
  ratio: "—",
  target: "report; justify every unit",
  met: null,
});

/**
 * What the membership reads cost in read capacity, on paths whose cost could grow with a room's size (the members
 * page reads presence rows for `online`) or grows with a user's rooms (`GET /me/rooms` reads each room's newest
 * message). Capacity as DynamoDB Local reports it.
 */
export const run = async (context: BenchContext): Promise<ScenarioResult> => {
  const members = context.smoke ? 60 : 1_000;
  const presentCounts = context.smoke ? [0, 10] : [0, 100, 1_000];
  const inboxRooms = context.smoke ? 5 : 50;
  const progress = context.progress("rooms read cost");
  const host = await startHost(
    new URL("../hosts/rooms.ts", import.meta.url),
    hostEnvironment(storageEnvironment(context.dynamoEndpoint, "bench-rooms-cost", "bench")),
  );
  const rows: Row[] = [];
  const data: Record<string, unknown> = {};
  try {
    for (const present of presentCounts) {
      const roomId = `big-${present}`;
      await host.call("seedRoom", { roomId, members, present });
      const read = await host.call<Read>("membersPage", { roomId, userId: "user-0001" });
      if (read.found !== 50) throw new Error(`a members page held ${read.found}`);
      rows.push(row(`rooms cost: a members page of 50, room of ${members} members, ${present} online`, read));
      data[`membersPage-${present}`] = read;
      progress.update(`members page, ${present} online`);
    }
    await host.call("seedInbox", { userId: "reader", rooms: inboxRooms });
    const inbox = await host.call<Read>("myRooms", { userId: "reader" });
    if (inbox.found !== inboxRooms) throw new Error(`GET /me/rooms found ${inbox.found} of ${inboxRooms}`);
    rows.push(row(`rooms cost: GET /me/rooms for a user in ${inboxRooms} rooms`, inbox));
    // GET /me/rooms with read state: the same 50 rooms, in three states of reading.
    const repeats = context.smoke ? 3 : 40;
    const states = [
      {
        userId: "all-read",
        label: "every room read up to its newest message",
        unreadRooms: 0,
        unread: 0,
        cursors: true,
      },
      {
        userId: "some-unread",
        label: "10 rooms with 20 new messages each",
        unreadRooms: Math.min(10, inboxRooms),
        unread: 20,
        cursors: true,
      },
      {
        userId: "never-read",
        label: "no room ever read, 120 messages of others in each (worst case)",
        unreadRooms: inboxRooms,
        unread: context.smoke ? 10 : 120,
        cursors: false,
      },
    ];
    for (const state of states) {
      await host.call("seedInbox", { userId: state.userId, rooms: inboxRooms });
      await host.call("seedReadState", { ...state, rooms: inboxRooms });
      const timed = await host.call<Timed>("myRoomsTimed", { userId: state.userId, calls: repeats });
      if (timed.found !== inboxRooms) throw new Error(`GET /me/rooms found ${timed.found} of ${inboxRooms}`);
      const expected = state.cursors
        ? state.unreadRooms * state.unread
        : inboxRooms * Math.min(100, state.unread);
      if (timed.unreadTotal !== expected)
        throw new Error(`unread ${timed.unreadTotal}, expected ${expected}`);
      const { median, p99 } = summarize(timed.durations);
      rows.push({
        scenario: `rooms cost: GET /me/rooms with unread counts, ${inboxRooms} rooms, ${state.label}`,
        ours: `p50 ${ms(median)} · p99 ${ms(p99)} · ${totalUnits(timed.uses)} RCU (${calls(timed.uses)})`,
        baseline: "before read state: 50.5 RCU, 52 requests (README Performance)",
        ratio: "—",
        target: "never 50 x 100 messages; the common case near today's RCU",
        met: null,
      });
      data[`myRooms-${state.userId}`] = { ...timed, median, p99 };
      progress.update(`GET /me/rooms, ${state.userId}`);
    }
    const access = await host.call<Read>("access", { roomId: "big-0", userId: "user-0001" });
    rows.push(row("rooms cost: the access read (room, member, ban rows)", access));
    Object.assign(data, { inbox, access });
  } finally {
    progress.done();
    await host.stop();
  }
  return {
    rows,
    data,
    notes: [
      "rooms cost: a table of its own; rows seeded directly, then each read made by the core call its route makes " +
        "(`Member.list`, `Member.rooms`, `Room.access`), with ReturnConsumedCapacity on the handlers' client. A " +
        "members page is the access read, one Query of 50 member rows and one Query of the room's presence rows " +
        "between the page's first and last user id (so it stays flat however many are online); GET /me/rooms reads all the user's memberships, one " +
        "Query of limit 1 per room for its newest message, and the page's room rows. With read state it also reads " +
        "the user's read cursors (one Query) and counts unread messages (a bounded Select COUNT Query) only in rooms " +
        "whose newest message is after the cursor; p50/p99 are of sequential calls of `Member.rooms` in the host.",
    ],
  };
};
