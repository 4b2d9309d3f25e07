import type { AddressInfo } from "node:net";
import { type ChatMessage, newMessageState } from "@chat/types";
import { decodeTime, ulid } from "ulid";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { clientFor, connectionIds, dropConnections, uniqueRoom, useLocalStack, waitFor } from "../test/stack";
import { startFlakyProxy, startRelay } from "../test/stand-ins";
import {
  ChatApiError,
  type ChatError,
  ChatProtocolError,
  type ConnectionStatus,
  type MembersChange,
  type PendingMessage,
  type PresenceEvent,
  type RealtimeConnection,
  type TypingNotice,
} from "./index";

// Real: the local stack (WebSocket API emulation with subscribe/unsubscribe, send, typing and presence; stream
// poller; broadcaster; DynamoDB Local), real sockets, server-side drops through the management API. Stand-ins, where
// a test says so: a TCP relay that can refuse connections or go deaf, a proxy that records HTTP requests, and a
// WebSocket server that refuses every send.
const stack = useLocalStack();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A connection with everything it emits recorded. */
const watch = (connection: RealtimeConnection) => {
  const seen = {
    messages: [] as ChatMessage[],
    statuses: [] as ConnectionStatus[],
    pending: [] as PendingMessage[],
    errors: [] as ChatError[],
    typing: [] as TypingNotice[],
    presence: [] as PresenceEvent[],
    members: [] as MembersChange[],
    ready: [] as string[],
  };
  connection.on("message", (message) => seen.messages.push(message));
  connection.on("status", (status) => seen.statuses.push(status));
  connection.on("pending", (pending) => seen.pending.push(pending));
  connection.on("error", (error) => seen.errors.push(error));
  connection.on("typing", (notice) => seen.typing.push(notice));
  connection.on("presence", (presence) => seen.presence.push(presence));
  connection.on("members", (change) => seen.members.push(change));
  connection.on("ready", ({ roomId }) => seen.ready.push(roomId));
  cleanups.push(() => connection.close());
  return seen;
};

const ids = (messages: { id: string }[]) => messages.map(({ id }) => id);
const inRoom = (messages: ChatMessage[], roomId: string) => messages.filter((m) => m.roomId === roomId);
const duplicates = (values: string[]) => values.length - new Set(values).size;
const userIds = (members: { userId: string }[]) => members.map(({ userId }) => userId).sort();
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe("RealtimeConnection: many rooms on one socket", () => {
  it("follows three rooms on one socket and receives exactly those rooms' messages", async () => {
    const [a, b, c, other] = [uniqueRoom("a"), uniqueRoom("b"), uniqueRoom("c"), uniqueRoom("other")];
    const bob = clientFor(stack.current, "bob");
    const connection = clientFor(stack.current, "alice").connect({ rooms: [a, b, c], backlog: 0 });
    const seen = watch(connection);
    await waitFor("live", () => seen.statuses.includes("live"));

    const sent = [];
    for (const roomId of [a, other, b, other, c]) sent.push(await bob.send(roomId, { text: `in ${roomId}` }));
    const last = await bob.send(a, { text: "last" });
    await waitFor("four messages", () => seen.messages.length >= 4);
    await settle();

    const [socketOfA] = await connectionIds(a);
    expect(await connectionIds(a)).toHaveLength(1);
    expect(await connectionIds(b)).toEqual([socketOfA]);
    expect(await connectionIds(c)).toEqual([socketOfA]);
    expect(connection.rooms).toEqual([a, b, c]);
    expect(sorted(ids(seen.messages))).toEqual(
      sorted(ids([...sent.filter(({ roomId }) => roomId !== other), last])),
    );
    expect(inRoom(seen.messages, a)).toEqual([sent[0], last]);
    expect(connection.lastSeenId(b)).toBe(sent[2]?.id);
    expect(seen.errors).toEqual([]);
  });

  it("joins a room on the open socket with its backlog, and stops delivering a room it leaves", async () => {
    const [a, b] = [uniqueRoom("stay"), uniqueRoom("visit")];
    const bob = clientFor(stack.current, "bob");
    const earlier = await bob.send(b, { text: "before the join" });
    const connection = clientFor(stack.current, "alice").connect({ rooms: [a] });
    const seen = watch(connection);
    await waitFor("live", () => seen.statuses.includes("live"));

    await connection.join(b);
    const during = await bob.send(b, { text: "while joined" });
    await waitFor("the backlog and the live message", () => inRoom(seen.messages, b).length >= 2);
    await connection.leave(b);
    const subscribedToB = await connectionIds(b);
    await bob.send(b, { text: "after leaving" });
    const sentinel = await bob.send(a, { text: "still in a" });
    await waitFor("the message in a", () => inRoom(seen.messages, a).length >= 1);
    await settle();

    expect(subscribedToB).toEqual([]);
    expect(inRoom(seen.messages, b)).toEqual([earlier, during]);
    expect(inRoom(seen.messages, a)).toEqual([sentinel]);
    expect(connection.rooms).toEqual([a]);
    expect(seen.ready).toEqual([a, b]);
    expect(seen.statuses).toEqual(["live"]);
  });

  it("ends unsubscribed from a room joined and left at once", async () => {
    const [a, b] = [uniqueRoom("home"), uniqueRoom("blink")];
    const connection = clientFor(stack.current, "alice").connect({ rooms: [a], backlog: 0 });
    const seen = watch(connection);
    await waitFor("live", () => seen.statuses.includes("live"));

    const joined = connection.join(b).then(
      () => "joined",
      (error: unknown) => error,
    );
    await connection.leave(b);
    await connection.join(a);

    expect(await joined).toMatchObject({ name: "ChatError", message: expect.stringMatching(/left/i) });
    expect(await connectionIds(b)).toEqual([]);
    expect(await connectionIds(a)).toHaveLength(1);
    expect(connection.rooms).toEqual([a]);
    expect(seen.errors).toEqual([]);
  });

  it("refuses a bad room id and a 21st room unsent", async () => {
    const base = uniqueRoom("many");
    const rooms = Array.from({ length: 20 }, (_, i) => `${base}-${i}`);
    const connection = clientFor(stack.current, "alice").connect({ rooms, backlog: 0 });
    const seen = watch(connection);

    const bad = await connection.join("Not A Room!").catch((error: unknown) => error);
    const tooMany = await connection.join(`${base}-20`).catch((error: unknown) => error);
    await waitFor("live in 20 rooms", () => seen.statuses.includes("live"));

    expect(bad).toBeInstanceOf(ChatApiError);
    expect(bad).toMatchObject({ status: 400, code: "validation_failed" });
    expect(tooMany).toMatchObject({ status: 403, code: "forbidden" });
    expect(await connectionIds(`${base}-19`)).toHaveLength(1);
    expect(seen.errors).toEqual([]);
  });

  it("swaps a room for another at the limit of 20 without the API refusing the new one", async () => {
    const base = uniqueRoom("full");
    const rooms = Array.from({ length: 20 }, (_, i) => `${base}-${i}`);
    const connection = clientFor(stack.current, "alice").connect({ rooms, backlog: 0 });
    const seen = watch(connection);
    await waitFor("live in 20 rooms", () => seen.statuses.includes("live"));

    const left = connection.leave(`${base}-0`);
    await connection.join(`${base}-20`);
    await left;

    expect(await connectionIds(`${base}-0`)).toEqual([]);
    expect(await connectionIds(`${base}-20`)).toHaveLength(1);
    expect(connection.rooms).toHaveLength(20);
    expect(seen.errors).toEqual([]);
  });

  it("after a server-side drop, re-subscribes every room and catches each one up, every message once", async () => {
    // Real drop: the stack's management API closes the connection. Stand-in: a TCP relay in front of the WebSocket
    // API refuses connections during the gap, so the messages of the gap can only arrive by catch-up.
    const [a, b, c] = [uniqueRoom("gap-a"), uniqueRoom("gap-b"), uniqueRoom("gap-c")];
    const relay = await startRelay(Number(new URL(stack.current.wsUrl).port));
    cleanups.push(relay.close);
    const connection = clientFor(stack.current, "alice", { wsUrl: relay.wsUrl }).connect({
      rooms: [a, b, c],
      backlog: 0,
      reconnectBaseDelayMs: 20,
      reconnectMaxDelayMs: 100,
    });
    const seen = watch(connection);
    const bob = clientFor(stack.current, "bob");
    await waitFor("live", () => seen.statuses.includes("live"));
    const before = [await bob.send(a, { text: "a before" }), await bob.send(b, { text: "b before" })];
    await waitFor("the messages before the gap", () => seen.messages.length >= 2);

    relay.block();
    expect(await dropConnections(stack.current, c)).toBe(1);
    await waitFor("reconnecting", () => seen.statuses.at(-1) === "reconnecting");
    const gapB = [];
    const gapC = [];
    // More than a page of history (100) in one room, so its catch-up has to page.
    for (let i = 0; i < 105; i++) gapB.push(await bob.send(b, { text: `b during ${i}` }));
    for (let i = 0; i < 3; i++) gapC.push(await bob.send(c, { text: `c during ${i}` }));
    await waitFor("a refused reconnect", () => relay.refused() >= 1);
    const deliveredBeforeReconnect = seen.messages.length;
    relay.unblock();
    await waitFor("live again", () => seen.statuses.at(-1) === "live");
    const after = [
      await bob.send(a, { text: "a after" }),
      await bob.send(b, { text: "b after" }),
      await bob.send(c, { text: "c after" }),
    ];
    await waitFor("every message", () => seen.messages.length >= 2 + 108 + 3);
    await settle();

    const socket = await connectionIds(a);
    expect(deliveredBeforeReconnect).toBe(2);
    expect(socket).toHaveLength(1);
    expect(await connectionIds(b)).toEqual(socket);
    expect(await connectionIds(c)).toEqual(socket);
    expect(inRoom(seen.messages, a)).toEqual([before[0], after[0]]);
    expect(inRoom(seen.messages, b)).toEqual([before[1], ...gapB, after[1]]);
    expect(inRoom(seen.messages, c)).toEqual([...gapC, after[2]]);
    expect(duplicates(ids(seen.messages))).toBe(0);
    expect(seen.statuses).toEqual(["live", "reconnecting", "live"]);
    expect(sorted(seen.ready)).toEqual(sorted([a, a, b, b, c, c]));
  });
});

describe("RealtimeConnection: clock skew between writers", () => {
  /**
   * Stores a message as a Lambda whose clock reads `at` would: through core's message entity, with an id made at
   * that time, then pushed by the stack's stream poller like any other.
   */
  const storeAsOf = async (roomId: string, at: number, text: string): Promise<ChatMessage> => {
    // Imported once the stack has set the environment that @chat/core reads when it loads.
    const { Message } = await import("@chat/core");
    const id = ulid(at);
    const item = {
      roomId,
      id,
      userId: "skewed",
      username: "skewed",
      text,
      createdAt: new Date(at).toISOString(),
    };
    await Message.MessageEntity.create(item).go();
    return {
      ...item,
      clientMessageId: null,
      ...newMessageState(),
    };
  };

  it("after a reconnect, delivers once every message written with a clock up to 5 s behind, live ones too", async () => {
    // Real: the stack, its stream poller and DynamoDB Local; messages written through core as a writer whose clock
    // lags would. Stand-in: a TCP relay that refuses connections during the gap, so the gap arrives by catch-up.
    const roomId = uniqueRoom("skew");
    const relay = await startRelay(Number(new URL(stack.current.wsUrl).port));
    cleanups.push(relay.close);
    const connection = clientFor(stack.current, "alice", { wsUrl: relay.wsUrl }).connect({
      rooms: [roomId],
      backlog: 0,
      reconnectBaseDelayMs: 20,
      reconnectMaxDelayMs: 100,
    });
    const seen = watch(connection);
    const bob = clientFor(stack.current, "bob");
    await waitFor("live", () => seen.statuses.includes("live"));
    const before = [];
    for (let i = 0; i < 3; i++) before.push(await bob.send(roomId, { text: `before ${i}` }));
    await waitFor("the messages before the gap", () => seen.messages.length >= 3);
    const newestSeen = decodeTime(connection.lastSeenId(roomId) ?? "");

    relay.block();
    expect(await dropConnections(stack.current, roomId)).toBe(1);
    await waitFor("reconnecting", () => seen.statuses.at(-1) === "reconnecting");
    // Written during the gap by writers whose clocks lag: ids older than messages already delivered.
    const gap = [
      await storeAsOf(roomId, newestSeen - 4_000, "4 s behind the newest seen"),
      await bob.send(roomId, { text: "on time, during the gap" }),
      await storeAsOf(roomId, newestSeen - 1_500, "1.5 s behind the newest seen"),
      await storeAsOf(roomId, Date.now() - 4_900, "4.9 s behind now"),
    ];
    await waitFor("a refused reconnect", () => relay.refused() >= 1);
    const deliveredBeforeReconnect = seen.messages.length;
    relay.unblock();
    await waitFor("live again", () => seen.statuses.at(-1) === "live");
    const newestNow = decodeTime(connection.lastSeenId(roomId) ?? "");
    // After the catch-up, one more lagging write arrives live, by push, older than what was delivered.
    const late = await storeAsOf(roomId, newestNow - 3_000, "3 s behind, live");
    const after = await bob.send(roomId, { text: "after the gap" });
    // Not fatal here: when one is missed, the assertions below say which.
    await waitFor("every message", () => seen.messages.length >= 3 + gap.length + 2, 10_000).catch(
      () => undefined,
    );
    await settle();

    const expected = [...before, ...gap, late, after];
    expect(deliveredBeforeReconnect).toBe(3);
    expect(sorted(ids(seen.messages))).toEqual(sorted(ids(expected)));
    expect(duplicates(ids(seen.messages))).toBe(0);
    // The catch-up batch came in id order.
    const batch = ids(seen.messages.slice(3, 3 + gap.length));
    expect(batch).toEqual(sorted(ids(gap)));
    expect(seen.errors).toEqual([]);
  });
});

describe("RealtimeConnection: typing and presence", () => {
  it("brings a typing notice to another user in the room, not to the typist", async () => {
    const roomId = uniqueRoom("typing");
    const typist = clientFor(stack.current, "tina").connect({ rooms: [roomId], backlog: 0 });
    const watcher = clientFor(stack.current, "walt").connect({ rooms: [roomId], backlog: 0 });
    const typistSeen = watch(typist);
    const watcherSeen = watch(watcher);
    await waitFor("both live", () => typist.status === "live" && watcher.status === "live");

    const sent = typist.typing(roomId);
    const throttled = typist.typing(roomId);
    await waitFor("the notice", () => watcherSeen.typing.length >= 1);
    // Walt types back: once Tina hears him, a notice of her own would have come before.
    watcher.typing(roomId);
    await waitFor("the answer", () => typistSeen.typing.length >= 1);
    await settle();

    expect([sent, throttled]).toEqual([true, false]);
    expect(watcherSeen.typing).toEqual([{ roomId, userId: "tina", username: "tina" }]);
    expect(typistSeen.typing).toEqual([{ roomId, userId: "walt", username: "walt" }]);
  });

  it("sends no typing notice for a room it does not follow", async () => {
    const connection = clientFor(stack.current, "tina").connect({ rooms: [uniqueRoom("here")], backlog: 0 });
    const seen = watch(connection);
    await waitFor("live", () => seen.statuses.includes("live"));

    expect(connection.typing(uniqueRoom("elsewhere"))).toBe(false);
  });

  it("reports presence as another user connects and disconnects, and keeps the members up to date", async () => {
    const roomId = uniqueRoom("presence");
    const observer = clientFor(stack.current, "olga").connect({
      rooms: [roomId],
      backlog: 0,
      trackMembers: true,
    });
    const seen = watch(observer);
    await waitFor("live", () => seen.statuses.includes("live"));
    const membersAlone = userIds(observer.members(roomId));

    const visitor = clientFor(stack.current, "vic", { username: "Vic" }).connect({ rooms: [roomId] });
    cleanups.push(() => visitor.close());
    await waitFor("the join", () => seen.presence.length >= 1);
    const membersTogether = userIds(observer.members(roomId));
    visitor.close();
    await waitFor("the leave", () => seen.presence.length >= 2);

    expect(membersAlone).toEqual(["olga"]);
    expect(membersTogether).toEqual(["olga", "vic"]);
    expect(seen.presence).toEqual([
      { roomId, event: "join", userId: "vic", username: "Vic" },
      { roomId, event: "leave", userId: "vic", username: "Vic" },
    ]);
    expect(userIds(observer.members(roomId))).toEqual(["olga"]);
    expect(seen.members.at(-1)).toEqual({ roomId, members: observer.members(roomId) });
  });

  it("tells a room when this user leaves it, and lists one entry per user in members()", async () => {
    const [roomId, other] = [uniqueRoom("members"), uniqueRoom("elsewhere")];
    const observer = clientFor(stack.current, "olga").connect({ rooms: [roomId], backlog: 0 });
    const seen = watch(observer);
    await waitFor("the observer live", () => observer.status === "live");
    const rita = clientFor(stack.current, "rita");
    const ritaHere = rita.connect({ rooms: [roomId], backlog: 0 });
    const ritaAgain = rita.connect({ rooms: [other], backlog: 0 });
    watch(ritaHere);
    watch(ritaAgain);
    await waitFor("rita live twice", () => ritaHere.status === "live" && ritaAgain.status === "live");

    await ritaAgain.join(roomId);
    const members = await rita.members(roomId);
    await ritaHere.leave(roomId);
    const afterOneLeft = await rita.members(roomId);
    await ritaAgain.leave(roomId);
    await waitFor("the leave", () => seen.presence.some(({ event }) => event === "leave"));

    expect(userIds(members)).toEqual(["olga", "rita"]);
    expect(members.every(({ connectedAt }) => !Number.isNaN(Date.parse(connectedAt)))).toBe(true);
    expect(userIds(afterOneLeft)).toEqual(["olga", "rita"]);
    expect(seen.presence).toEqual([
      { roomId, event: "join", userId: "rita", username: "rita" },
      { roomId, event: "leave", userId: "rita", username: "rita" },
    ]);
    expect(userIds(await rita.members(roomId))).toEqual(["olga"]);
  });
});

describe("RealtimeConnection: sending", () => {
  /** A proxy in front of the HTTP API that only records: to see which sends went over REST. */
  const recordingProxy = async () => {
    const proxy = await startFlakyProxy(stack.current.httpUrl, []);
    cleanups.push(proxy.close);
    return { url: proxy.url, posts: () => proxy.exchanges.filter(({ method }) => method === "POST") };
  };

  it("sends over the socket: acked with the stored message, which then arrives once", async () => {
    const roomId = uniqueRoom("socket-send");
    const http = await recordingProxy();
    const connection = clientFor(stack.current, "alice", { httpUrl: http.url }).connect({
      rooms: [roomId],
      backlog: 0,
    });
    const seen = watch(connection);
    await waitFor("live", () => seen.statuses.includes("live"));

    const stored = await connection.send(roomId, "  over the socket  ");
    await waitFor("the push", () => seen.messages.length >= 1);
    await settle();

    expect(stored).toMatchObject({ roomId, userId: "alice", text: "over the socket" });
    expect(stored.clientMessageId).toBe(seen.pending[0]?.clientMessageId);
    expect(seen.pending.map(({ state }) => state)).toEqual(["sending"]);
    expect(seen.messages).toEqual([stored]);
    expect(http.posts()).toEqual([]);
  });

  it("sends over REST while the socket is not open yet", async () => {
    const roomId = uniqueRoom("rest-fallback");
    const http = await recordingProxy();
    const connection = clientFor(stack.current, "alice", { httpUrl: http.url }).connect({ rooms: [roomId] });
    const seen = watch(connection);

    const stored = await connection.send(roomId, "before the socket opened");
    await waitFor("the stored message", () => seen.messages.length >= 1);

    expect(http.posts()).toHaveLength(1);
    expect(seen.messages).toEqual([stored]);
  });

  it("posts over REST with the same clientMessageId when no ack comes, and the message is stored once", async () => {
    // Stand-in: the relay in front of the WebSocket API goes deaf after going live, so the send frame reaches the
    // API (and is stored) but its ack never comes back.
    const roomId = uniqueRoom("no-ack");
    const relay = await startRelay(Number(new URL(stack.current.wsUrl).port));
    cleanups.push(relay.close);
    const http = await recordingProxy();
    const connection = clientFor(stack.current, "alice", { wsUrl: relay.wsUrl, httpUrl: http.url }).connect({
      rooms: [roomId],
      backlog: 0,
      ackTimeoutMs: 300,
      confirmAfterMs: 100,
    });
    const seen = watch(connection);
    await waitFor("live", () => seen.statuses.includes("live"));

    relay.mute();
    const stored = await connection.send(roomId, "did the ack get lost?");
    await waitFor("the message, by catch-up", () => seen.messages.length >= 1);
    const history = await clientFor(stack.current, "reader").history(roomId);

    expect(http.posts()).toHaveLength(1);
    expect(JSON.parse(http.posts()[0]?.body ?? "{}")).toMatchObject({
      clientMessageId: stored.clientMessageId,
    });
    expect(history.messages).toEqual([stored]);
    expect(seen.messages).toEqual([stored]);
  });

  it("rejects a send the API refuses in an error frame with a ChatApiError, and marks it failed", async () => {
    // Stand-in: a WebSocket server that answers every send with the error frame the API sends when a user is over
    // the send limit (the test stack's limits are raised); history still comes from the real API.
    const refusing = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    refusing.on("connection", (socket) => {
      socket.on("message", (data) => {
        const frame = JSON.parse(String(data)) as { type: string; clientMessageId?: string };
        if (frame.type !== "send") return;
        const error = { code: "rate_limited", message: "At most 60 messages per minute" };
        socket.send(JSON.stringify({ type: "error", clientMessageId: frame.clientMessageId, error }));
      });
    });
    cleanups.push(() => new Promise((resolve) => refusing.close(resolve)));
    await new Promise((resolve) => refusing.once("listening", resolve));
    const port = (refusing.address() as AddressInfo).port;
    const roomId = uniqueRoom("refused");
    const connection = clientFor(stack.current, "alice", { wsUrl: `ws://127.0.0.1:${port}` }).connect({
      rooms: [roomId],
      backlog: 0,
    });
    const seen = watch(connection);
    await waitFor("live", () => seen.statuses.includes("live"));

    const failure = await connection.send(roomId, "too many").catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ChatApiError);
    expect(failure).toMatchObject({ status: 429, code: "rate_limited" });
    expect(seen.pending.map(({ state }) => state)).toEqual(["sending", "failed"]);
    expect(seen.pending[1]?.error).toBe(failure);
    expect(seen.errors).toEqual([]);
  });

  it("reports a frame that is not JSON or breaks the contract as a ChatProtocolError, and stays live", async () => {
    // Stand-in: a WebSocket server that sends two broken frames once connected; history still comes from the real API.
    const broken = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    broken.on("connection", (socket) => {
      socket.send("not json");
      socket.send(JSON.stringify({ type: "message", message: { id: 1 } }));
    });
    cleanups.push(() => new Promise((resolve) => broken.close(resolve)));
    await new Promise((resolve) => broken.once("listening", resolve));
    const port = (broken.address() as AddressInfo).port;
    const connection = clientFor(stack.current, "alice", { wsUrl: `ws://127.0.0.1:${port}` }).connect({
      rooms: [uniqueRoom("broken")],
      backlog: 0,
    });
    const seen = watch(connection);

    await waitFor("two errors and live", () => seen.errors.length === 2 && seen.statuses.includes("live"));

    expect(seen.errors.map((error) => [error instanceof ChatProtocolError, error.message])).toEqual([
      [true, "A frame is not JSON"],
      [true, "A frame does not match the contract"],
    ]);
    expect((seen.errors[1] as ChatProtocolError).issues).not.toEqual([]);
    expect(seen.messages).toEqual([]);
    expect(connection.status).toBe("live");
  });
});

const sorted = (values: string[]) => [...values].sort();
