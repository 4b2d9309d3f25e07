import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { type ChatMessage, newMessageState } from "@chat/types";
import { afterEach, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { clientFor, uniqueRoom, useLocalStack, waitFor } from "../test/stack";
import {
  ChatApiError,
  type ChatError,
  type MemberChange,
  type RealtimeConnection,
  type Unsubscribed,
} from "./index";

// Real: the local stack (rooms routes, the who-may-do-what policy, the socket side of removal and bans, DynamoDB
// Local), real HTTP and WebSocket clients. Stand-ins, where a test says so: a WebSocket server scripted to send the
// frames under test (the API does not send `member` frames yet), and an HTTP server that records request headers.
const stack = useLocalStack();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const watch = (connection: RealtimeConnection) => {
  const seen = {
    messages: [] as ChatMessage[],
    errors: [] as ChatError[],
    unsubscribed: [] as Unsubscribed[],
    member: [] as MemberChange[],
    live: false,
  };
  connection.on("message", (message) => seen.messages.push(message));
  connection.on("error", (error) => seen.errors.push(error));
  connection.on("unsubscribed", (event) => seen.unsubscribed.push(event));
  connection.on("member", (change) => seen.member.push(change));
  connection.on("status", (status) => {
    if (status === "live") seen.live = true;
  });
  cleanups.push(() => connection.close());
  return seen;
};

/**
 * Stand-in: a WebSocket server that subscribes every room but those in `forbidden` (answered with the API's
 * `forbidden` error frame naming the room), and records each socket's handshake room and frames.
 */
const startScriptedSocketServer = async (forbidden: string[] = [], throttledOnce: string[] = []) => {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  const sockets: WebSocket[] = [];
  const handshakes: string[] = [];
  const subscribes: string[] = [];
  server.on("connection", (socket, request) => {
    sockets.push(socket);
    handshakes.push(new URL(request.url ?? "/", "ws://x").searchParams.get("roomId") ?? "");
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as { type: string; roomId?: string };
      if (frame.type !== "subscribe" || frame.roomId === undefined) return;
      subscribes.push(frame.roomId);
      const throttled =
        throttledOnce.includes(frame.roomId) && subscribes.filter((id) => id === frame.roomId).length === 1;
      const reply = throttled
        ? {
            type: "error",
            roomId: frame.roomId,
            error: { code: "rate_limited", message: "Slow down" },
          }
        : forbidden.includes(frame.roomId)
          ? {
              type: "error",
              roomId: frame.roomId,
              error: { code: "forbidden", message: "You may not read this room" },
            }
          : { type: "subscribed", roomId: frame.roomId };
      socket.send(JSON.stringify(reply));
    });
  });
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    wsUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    handshakes,
    subscribes,
    push: (frame: unknown) => {
      for (const socket of sockets) socket.send(JSON.stringify(frame));
    },
    dropAll: () => {
      for (const socket of sockets.splice(0)) socket.terminate();
    },
  };
};

const message = (roomId: string, id: string): ChatMessage => ({
  id,
  roomId,
  userId: "bob",
  username: "bob",
  text: "after the ban",
  createdAt: "2026-11-29T21:00:00.000Z",
  clientMessageId: null,
  ...newMessageState(),
});

describe("RealtimeConnection: rooms the API ends or refuses (stand-in socket server)", () => {
  it("stops following a room the API unsubscribes with a reason, and does not subscribe it again on reconnect", async () => {
    const server = await startScriptedSocketServer();
    const [lobby, banned] = [uniqueRoom("lobby"), uniqueRoom("banned")];
    const connection = clientFor(stack.current, "alice", { wsUrl: server.wsUrl }).connect({
      rooms: [lobby, banned],
      backlog: 0,
      reconnectBaseDelayMs: 10,
    });
    const seen = watch(connection);
    await waitFor("live", () => seen.live);

    server.push({ type: "unsubscribed", roomId: banned, reason: "banned" });
    await waitFor("the unsubscribed event", () => seen.unsubscribed.length > 0);
    server.push({ type: "message", message: message(banned, "01KB0000000000000000000001") });
    server.dropAll();
    await waitFor("a second socket", () => server.handshakes.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(seen.unsubscribed).toEqual([{ roomId: banned, reason: "banned" }]);
    expect(connection.rooms).toEqual([lobby]);
    expect(seen.messages).toEqual([]);
    expect(server.handshakes).toEqual([lobby, lobby]);
    expect(server.subscribes).toEqual([banned]);
  });

  it("rejects a join of a room the API refuses with the error frame's ChatApiError, and forgets the room", async () => {
    const private_ = uniqueRoom("private");
    const server = await startScriptedSocketServer([private_]);
    const lobby = uniqueRoom("lobby");
    const connection = clientFor(stack.current, "alice", { wsUrl: server.wsUrl }).connect({
      rooms: [lobby],
      backlog: 0,
    });
    const seen = watch(connection);
    await waitFor("live", () => seen.live);

    const failure = await connection.join(private_).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ChatApiError);
    expect(failure).toMatchObject({ status: 403, error: { code: "forbidden" } });
    expect(connection.rooms).toEqual([lobby]);
    expect(seen.errors).toEqual([]);
  });

  it("leaves a subscribe refused for a while (rate limited) to its retry: the join resolves once subscribed", async () => {
    const busy = uniqueRoom("busy");
    const server = await startScriptedSocketServer([], [busy]);
    const lobby = uniqueRoom("lobby");
    const connection = clientFor(stack.current, "alice", { wsUrl: server.wsUrl }).connect({
      rooms: [lobby],
      backlog: 0,
      subscribeTimeoutMs: 100,
    });
    const seen = watch(connection);
    await waitFor("live", () => seen.live);

    await connection.join(busy);

    expect(server.subscribes).toEqual([busy, busy]);
    expect(connection.rooms).toEqual([lobby, busy]);
    expect(seen.errors.map((error) => (error as ChatApiError).code)).toEqual(["rate_limited"]);
  });

  it("tells a followed room's member frames as member events, and ignores those of other rooms", async () => {
    const server = await startScriptedSocketServer();
    const lobby = uniqueRoom("lobby");
    const connection = clientFor(stack.current, "alice", { wsUrl: server.wsUrl }).connect({
      rooms: [lobby],
      backlog: 0,
    });
    const seen = watch(connection);
    await waitFor("live", () => seen.live);
    const member = {
      userId: "bob",
      username: "bob",
      role: "member",
      joinedAt: "2026-11-29T21:00:00.000Z",
      mutedUntil: null,
      online: true,
    } as const;

    server.push({ type: "member", roomId: "elsewhere", event: "added", member });
    server.push({ type: "member", roomId: lobby, event: "added", member });
    await waitFor("a member event", () => seen.member.length > 0);

    expect(seen.member).toEqual([{ roomId: lobby, event: "added", member }]);
    expect(seen.errors).toEqual([]);
  });
});

describe("ChatClient: who calls without a token", () => {
  it("names the caller with x-user-id and x-user-name, and leaves out a name fetch cannot carry", async () => {
    // Stand-in: an HTTP server that records the headers and answers like the API's DELETE (204).
    const headers: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      headers.push(req.headers);
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const httpUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    await clientFor(stack.current, "alice", { httpUrl, username: "Alice A" }).leaveRoom("lobby");
    await clientFor(stack.current, "zoe", { httpUrl, username: "Zoë 🎈" }).unban("lobby", "bob");

    expect(headers[0]).toMatchObject({ "x-user-id": "alice", "x-user-name": "Alice A" });
    expect(headers[1]?.["x-user-id"]).toBe("zoe");
    expect(headers[1]?.["x-user-name"]).toBeUndefined();
  });

  it("checks path ids and bodies before sending: a 400 ChatApiError, unsent", async () => {
    const client = clientFor(stack.current, "alice");

    await expect(client.ban("lobby", "not a user id!")).rejects.toMatchObject({
      status: 400,
      error: { code: "validation_failed", details: [{ path: "userId" }] },
    });
    await expect(client.createRoom({ roomId: "x", name: "   " })).rejects.toMatchObject({ status: 400 });
    await expect(client.room("Not A Room")).rejects.toMatchObject({ status: 400 });
  });
});

describe("ChatClient: rooms people belong to (real local stack)", () => {
  it("creates a private room that only its members read, and lists its members with their roles", async () => {
    const [alice, bob, carol] = [
      clientFor(stack.current, "alice"),
      clientFor(stack.current, "bob"),
      clientFor(stack.current, "carol"),
    ];
    const roomId = uniqueRoom("team");

    const room = await alice.createRoom({ roomId, kind: "private", name: " Team " });
    await alice.addMember(roomId, "bob");
    const members = await bob.roomMembers(roomId);
    const refused = await carol.room(roomId).catch((error: unknown) => error);
    const again = await alice.createRoom({ roomId }).catch((error: unknown) => error);

    expect(room).toMatchObject({ roomId, kind: "private", name: "Team", createdBy: "alice" });
    expect(members.members.map(({ userId, role }) => ({ userId, role }))).toEqual([
      { userId: "alice", role: "owner" },
      { userId: "bob", role: "member" },
    ]);
    expect(refused).toMatchObject({ status: 403, error: { code: "forbidden" } });
    expect(again).toMatchObject({ status: 409, error: { code: "conflict" } });
    expect((await alice.room(roomId)).role).toBe("owner");
    expect((await bob.myRooms()).rooms.map(({ room }) => room.roomId)).toContain(roomId);
  });

  it("sets a room's slow mode (updateRoom): a member's second post is refused with rate_limited, unretried", async () => {
    const [owner, bob] = [clientFor(stack.current, "owner"), clientFor(stack.current, "bob")];
    const roomId = uniqueRoom("slow");
    await owner.createRoom({ roomId });

    const updated = await owner.updateRoom(roomId, { slowModeSeconds: 600, name: "Slow" });
    const refusedPatch = await bob
      .updateRoom(roomId, { slowModeSeconds: 0 })
      .catch((error: unknown) => error);
    const invalid = await owner.updateRoom(roomId, {}).catch((error: unknown) => error);
    await bob.send(roomId, { text: "one" });
    const second = await bob.send(roomId, { text: "two" }).catch((error: unknown) => error);

    expect(updated).toMatchObject({ roomId, name: "Slow", slowModeSeconds: 600 });
    expect((await bob.room(roomId)).room.slowModeSeconds).toBe(600);
    expect(refusedPatch).toMatchObject({ status: 403, error: { code: "forbidden" } });
    expect(invalid).toMatchObject({ status: 400 });
    expect(second).toMatchObject({ status: 429, error: { code: "rate_limited" } });
  });

  it("opens the same direct room whoever asks, which a third user cannot join", async () => {
    const [alice, bob, carol] = [
      clientFor(stack.current, "alice"),
      clientFor(stack.current, "bob"),
      clientFor(stack.current, "carol"),
    ];

    const fromAlice = await alice.openDirect("bob");
    const fromBob = await bob.openDirect("alice");
    const connection = carol.connect({ rooms: ["general"], backlog: 0 });
    const seen = watch(connection);
    await waitFor("live", () => seen.live);
    const refused = await connection.join(fromAlice.roomId).catch((error: unknown) => error);

    expect(fromBob).toEqual(fromAlice);
    expect(fromAlice.kind).toBe("direct");
    expect(refused).toBeInstanceOf(ChatApiError);
    expect(refused).toMatchObject({ status: 403, error: { code: "forbidden" } });
    expect(connection.rooms).toEqual(["general"]);
  });

  it("ends a banned user's connection without a token as closed + forbidden, instead of reconnecting forever", async () => {
    const [owner, bob] = [clientFor(stack.current, "owner"), clientFor(stack.current, "bob")];
    const roomId = uniqueRoom("banned-handshake");
    await owner.createRoom({ roomId });
    await owner.ban(roomId, "bob");

    // The handshake naming the room is refused (403); a browser's socket cannot read why, so the client asks over
    // REST as bob (x-user-id) and stops.
    const connection = bob.connect({ rooms: [roomId], backlog: 0, reconnectBaseDelayMs: 10 });
    const seen = watch(connection);
    await waitFor("closed", () => connection.status === "closed");

    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]).toBeInstanceOf(ChatApiError);
    expect(seen.errors[0]).toMatchObject({ status: 403, error: { code: "forbidden" } });
  });

  it("drops only the room a refused handshake named, telling which, and goes on live with the others", async () => {
    const [owner, bob] = [clientFor(stack.current, "owner"), clientFor(stack.current, "bob")];
    const [banned, open] = [uniqueRoom("banned-first"), uniqueRoom("open")];
    await owner.createRoom({ roomId: banned });
    await owner.ban(banned, "bob");

    const connection = bob.connect({ rooms: [banned, open], backlog: 0, reconnectBaseDelayMs: 10 });
    const seen = watch(connection);
    await waitFor("live", () => seen.live);

    expect(connection.rooms).toEqual([open]);
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]).toMatchObject({ status: 403, roomId: banned, error: { code: "forbidden" } });
  });

  it("tells a banned user's connection it was unsubscribed (banned) and delivers nothing of the room after", async () => {
    const [owner, bob] = [clientFor(stack.current, "owner"), clientFor(stack.current, "bob")];
    const roomId = uniqueRoom("public");
    await owner.createRoom({ roomId, name: "Public" });
    const connection = bob.connect({ rooms: ["general", roomId], backlog: 0 });
    const seen = watch(connection);
    await waitFor("live", () => seen.live);

    await owner.ban(roomId, "bob", { reason: "spam" });
    await waitFor("the unsubscribed event", () => seen.unsubscribed.length > 0);
    await owner.send(roomId, { text: "after the ban" });
    const bans = await owner.bans(roomId);
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(seen.unsubscribed).toEqual([{ roomId, reason: "banned" }]);
    expect(connection.rooms).toEqual(["general"]);
    expect(seen.messages.filter((m) => m.roomId === roomId)).toEqual([]);
    expect(bans.bans.map(({ userId, reason }) => ({ userId, reason }))).toEqual([
      { userId: "bob", reason: "spam" },
    ]);
    await expect(bob.presence(roomId)).rejects.toMatchObject({ status: 403 });
    await owner.unban(roomId, "bob");
    expect((await bob.presence(roomId)).roomId).toBe(roomId);
  });

  it("leaves a room over REST: the user's connection is unsubscribed with reason left", async () => {
    const [owner, bob] = [clientFor(stack.current, "owner"), clientFor(stack.current, "bob")];
    const roomId = uniqueRoom("leave");
    await owner.createRoom({ roomId });
    await bob.joinRoom(roomId);
    const connection = bob.connect({ rooms: ["general", roomId], backlog: 0 });
    const seen = watch(connection);
    await waitFor("live", () => seen.live);

    await bob.leaveRoom(roomId);
    await waitFor("the unsubscribed event", () => seen.unsubscribed.length > 0);

    expect(seen.unsubscribed).toEqual([{ roomId, reason: "left" }]);
    expect((await bob.room(roomId)).role).toBeNull();
  });
});
