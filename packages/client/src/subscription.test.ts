import type { AddressInfo } from "node:net";
import type { ChatMessage } from "@chat/types";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { clientFor, dropConnections, pushToRoom, uniqueRoom, useLocalStack, waitFor } from "../test/stack";
import { RecordingWebSocket, rawFrames, startFlakyProxy, startRelay } from "../test/stand-ins";
import type { ChatError, ConnectionStatus, PendingMessage, RoomSubscription } from "./index";

// Real: the local stack (WebSocket API emulation, stream poller, broadcaster, DynamoDB Local), real sockets, and
// server-side drops through the stack's management API. Stand-ins, where a test says so: a TCP relay that can
// refuse connections (the network going away), a proxy that holds or fails HTTP requests, and a silent
// WebSocket server that never answers pings.
const stack = useLocalStack();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A subscription with everything it emits recorded. */
const watch = (subscription: RoomSubscription) => {
  const seen = {
    messages: [] as ChatMessage[],
    statuses: [] as ConnectionStatus[],
    pending: [] as PendingMessage[],
    errors: [] as ChatError[],
  };
  subscription.on("message", (message) => seen.messages.push(message));
  subscription.on("status", (status) => seen.statuses.push(status));
  subscription.on("pending", (pending) => seen.pending.push(pending));
  subscription.on("error", (error) => seen.errors.push(error));
  cleanups.push(() => subscription.close());
  return seen;
};

const ids = (messages: { id: string }[]) => messages.map(({ id }) => id);
const duplicates = (values: string[]) => values.length - new Set(values).size;
const sorted = (values: string[]) => [...values].sort();

/** Every message of a room, read page by page through the API. */
const wholeHistory = async (roomId: string): Promise<ChatMessage[]> => {
  const reader = clientFor(stack.current, "reader");
  const all: ChatMessage[] = [];
  let page = await reader.history(roomId, { after: "00000000000000000000000000", limit: 100 });
  all.push(...page.messages);
  while (page.hasMore) {
    page = await reader.history(roomId, { after: all.at(-1)?.id as string, limit: 100 });
    all.push(...page.messages);
  }
  return all;
};

describe("RoomSubscription", () => {
  it("delivers the backlog, then live messages, each once and in id order", async () => {
    const roomId = uniqueRoom("live");
    const bob = clientFor(stack.current, "bob");
    const before = [await bob.send(roomId, { text: "one" }), await bob.send(roomId, { text: "two" })];
    const seen = watch(clientFor(stack.current, "alice").connect({ roomId, backlog: 50 }));
    await waitFor("live", () => seen.statuses.includes("live"));

    const after = [await bob.send(roomId, { text: "three" }), await bob.send(roomId, { text: "four" })];
    await waitFor("four messages", () => seen.messages.length >= 4);

    expect(ids(seen.messages)).toEqual(ids([...before, ...after]));
    expect(seen.statuses).toEqual(["live"]);
    expect(seen.errors).toEqual([]);
  });

  it("with backlog 0, delivers only what comes after it connected", async () => {
    const roomId = uniqueRoom("no-backlog");
    const bob = clientFor(stack.current, "bob");
    const old = await bob.send(roomId, { text: "old news" });
    const seen = watch(clientFor(stack.current, "alice").connect({ roomId, backlog: 0 }));
    await waitFor("live", () => seen.statuses.includes("live"));

    // A late repeat of a message from before the subscription, as a retried stream batch would push it.
    await pushToRoom(stack.current, roomId, { type: "message", message: old });
    const fresh = await bob.send(roomId, { text: "fresh" });
    await waitFor("the fresh message", () => seen.messages.length >= 1);

    expect(seen.messages).toEqual([fresh]);
  });

  it("resumes after a given id", async () => {
    const roomId = uniqueRoom("resume");
    const bob = clientFor(stack.current, "bob");
    const sent = [];
    for (let i = 0; i < 4; i++) sent.push(await bob.send(roomId, { text: `m${i}` }));

    const seen = watch(clientFor(stack.current, "alice").connect({ roomId, after: sent[1]?.id as string }));
    await waitFor("live", () => seen.statuses.includes("live"));

    expect(ids(seen.messages)).toEqual(ids(sent.slice(2)));
  });

  it("reconnects after the server drops the socket, and delivers every message of the gap once", async () => {
    // Real drop: the stack's management API closes the connection. Stand-in: a TCP relay in front of the WebSocket
    // API refuses connections during the gap, so the messages of the gap can only arrive by catch-up.
    const roomId = uniqueRoom("gap");
    const relay = await startRelay(Number(new URL(stack.current.wsUrl).port));
    cleanups.push(relay.close);
    const alice = clientFor(stack.current, "alice", { wsUrl: relay.wsUrl });
    const seen = watch(
      alice.connect({ roomId, backlog: 0, reconnectBaseDelayMs: 20, reconnectMaxDelayMs: 100 }),
    );
    const bob = clientFor(stack.current, "bob");
    await waitFor("live", () => seen.statuses.includes("live"));
    const beforeGap = [];
    for (let i = 0; i < 5; i++) beforeGap.push(await bob.send(roomId, { text: `before ${i}` }));
    await waitFor("the messages before the gap", () => seen.messages.length >= 5);

    relay.block();
    expect(await dropConnections(stack.current, roomId)).toBe(1);
    await waitFor("reconnecting", () => seen.statuses.at(-1) === "reconnecting");
    const duringGap = [];
    // More than one page of history (100), so the catch-up has to page.
    for (let i = 0; i < 120; i++) duringGap.push(await bob.send(roomId, { text: `during ${i}` }));
    await waitFor("a refused reconnect", () => relay.refused() >= 1);
    const deliveredBeforeReconnect = seen.messages.length;
    relay.unblock();
    await waitFor("live again", () => seen.statuses.at(-1) === "live");
    const afterGap = [];
    for (let i = 0; i < 5; i++) afterGap.push(await bob.send(roomId, { text: `after ${i}` }));
    await waitFor("every message", () => seen.messages.length >= 130);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const receivedAfterReconnect = seen.messages.slice(deliveredBeforeReconnect);
    const gapIds = new Set(ids(duringGap));
    console.info(
      `reconnect gap: ${duringGap.length} sent during the gap, ` +
        `${receivedAfterReconnect.filter(({ id }) => gapIds.has(id)).length} received after reconnecting, ` +
        `${duplicates(ids(seen.messages))} duplicates, ${relay.refused()} refused reconnects`,
    );
    expect(deliveredBeforeReconnect).toBe(5);
    expect(ids(receivedAfterReconnect.slice(0, 120))).toEqual(ids(duringGap));
    expect(ids(seen.messages)).toEqual(ids([...beforeGap, ...duringGap, ...afterGap]));
    expect(duplicates(ids(seen.messages))).toBe(0);
    expect(ids(seen.messages)).toEqual(sorted(ids(seen.messages)));
    expect(ids(seen.messages)).toEqual(ids(await wholeHistory(roomId)));
    expect(seen.statuses.filter((status) => status === "live").length).toBe(2);
  });

  it("delivers once a message that arrives both by push and by catch-up", async () => {
    // Stand-in: a proxy holds the catch-up's history request until the message has been pushed, so the catch-up
    // answer contains it too.
    const roomId = uniqueRoom("overlap");
    const bob = clientFor(stack.current, "bob");
    const first = await bob.send(roomId, { text: "first" });
    let release: (value?: unknown) => void = () => undefined;
    const held = new Promise((resolve) => {
      release = resolve;
    });
    const proxy = await startFlakyProxy(
      stack.current.httpUrl,
      [{ holdUntil: held }],
      (method) => method === "GET",
    );
    cleanups.push(proxy.close);
    rawFrames.length = 0;
    const alice = clientFor(stack.current, "alice", { httpUrl: proxy.url, WebSocket: RecordingWebSocket });
    const seen = watch(alice.connect({ roomId, after: first.id }));
    await waitFor("the held catch-up request", () => proxy.exchanges.length === 1);

    const second = await bob.send(roomId, { text: "second" });
    await waitFor("the push", () => rawFrames.some((frame) => frame.includes(second.id)));
    release();
    await waitFor("live", () => seen.statuses.includes("live"));
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(proxy.exchanges[0]?.upstreamBody).toContain(second.id);
    expect(seen.messages.map(({ text }) => text)).toEqual(["second"]);
    expect(seen.messages).toEqual([second]);
  });

  it("delivers once a message the server pushes twice", async () => {
    const roomId = uniqueRoom("twice");
    const bob = clientFor(stack.current, "bob");
    const seen = watch(clientFor(stack.current, "alice").connect({ roomId, backlog: 0 }));
    await waitFor("live", () => seen.statuses.includes("live"));
    const message = await bob.send(roomId, { text: "once only" });
    await waitFor("the push", () => seen.messages.length === 1);

    // What a retried stream batch does: the same frame again, through the real management API.
    await pushToRoom(stack.current, roomId, { type: "message", message });
    const later = await bob.send(roomId, { text: "later" });
    await waitFor("the later message", () => seen.messages.length >= 2);

    expect(seen.messages).toEqual([message, later]);
  });

  it("shows a send as pending, then replaces it with the stored message of the same clientMessageId", async () => {
    const roomId = uniqueRoom("optimistic");
    const subscription = clientFor(stack.current, "alice").connect({ roomId, backlog: 0 });
    const seen = watch(subscription);
    await waitFor("live", () => seen.statuses.includes("live"));

    const sending = subscription.send("hello, optimistically");
    const pendingAtOnce = [...seen.pending];
    const stored = await sending;
    await waitFor("the stored message", () => seen.messages.length === 1);

    expect(pendingAtOnce).toEqual([
      expect.objectContaining({ state: "sending", text: "hello, optimistically", roomId, userId: "alice" }),
    ]);
    expect(stored.clientMessageId).toBe(pendingAtOnce[0]?.clientMessageId);
    expect(seen.messages).toEqual([stored]);
  });

  it("marks a send that fails as failed, and a retry stores it once with the same clientMessageId", async () => {
    // Stand-in: a proxy answers the first send 503, with retries turned off so the failure reaches the page.
    const roomId = uniqueRoom("failed-send");
    const proxy = await startFlakyProxy(
      stack.current.httpUrl,
      [{ answer: 503 }],
      (method) => method === "POST",
    );
    cleanups.push(proxy.close);
    const subscription = clientFor(stack.current, "alice", {
      httpUrl: proxy.url,
      retry: { attempts: 1 },
    }).connect({ roomId, backlog: 0 });
    const seen = watch(subscription);
    await waitFor("live", () => seen.statuses.includes("live"));

    const failure = await subscription.send("try, try again").catch((error: unknown) => error);
    const failed = seen.pending.at(-1);
    const stored = await subscription.retry(failed?.clientMessageId as string);
    await waitFor("the stored message", () => seen.messages.length === 1);

    expect(failure).toMatchObject({ status: 503 });
    expect(seen.pending.map(({ state }) => state)).toEqual(["sending", "failed", "sending"]);
    expect(failed?.error).toBe(failure);
    expect(stored.clientMessageId).toBe(failed?.clientMessageId);
    expect(seen.messages).toEqual([stored]);
    expect(await wholeHistory(roomId)).toEqual([stored]);
  });

  it("catches up by itself when a sent message's push does not come", async () => {
    // Stand-in: the relay in front of the WebSocket API goes deaf (stops passing the server's bytes on), so the push
    // never arrives though the socket looks open; history through the real HTTP API still works.
    const roomId = uniqueRoom("confirm");
    const relay = await startRelay(Number(new URL(stack.current.wsUrl).port));
    cleanups.push(relay.close);
    const subscription = clientFor(stack.current, "alice", { wsUrl: relay.wsUrl }).connect({
      roomId,
      backlog: 0,
      confirmAfterMs: 100,
    });
    const seen = watch(subscription);
    await waitFor("live", () => seen.statuses.includes("live"));

    relay.mute();
    const stored = await subscription.send("did it arrive?");
    await waitFor("the stored message", () => seen.messages.length === 1);

    expect(seen.messages).toEqual([stored]);
  });

  it("keeps a connection alive with pings the API answers", async () => {
    const roomId = uniqueRoom("ping");
    rawFrames.length = 0;
    const seen = watch(
      clientFor(stack.current, "alice", { WebSocket: RecordingWebSocket }).connect({
        roomId,
        backlog: 0,
        pingIntervalMs: 50,
        pongTimeoutMs: 5_000,
      }),
    );

    await waitFor("three pongs", () => rawFrames.filter((frame) => frame.includes('"pong"')).length >= 3);

    expect(seen.statuses).toEqual(["live"]);
    expect(seen.errors).toEqual([]);
  });

  it("takes a connection whose pings go unanswered as dead, and reconnects", async () => {
    // Stand-in: a WebSocket server that accepts connections and never answers; history comes from the real API.
    const silent = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    const pings: string[] = [];
    let connections = 0;
    silent.on("connection", (socket) => {
      connections++;
      socket.on("message", (data) => pings.push(String(data)));
    });
    cleanups.push(() => new Promise((resolve) => silent.close(resolve)));
    await new Promise((resolve) => silent.once("listening", resolve));
    const port = (silent.address() as AddressInfo).port;
    const seen = watch(
      clientFor(stack.current, "alice", { wsUrl: `ws://127.0.0.1:${port}` }).connect({
        roomId: uniqueRoom("silent"),
        backlog: 0,
        pingIntervalMs: 30,
        pongTimeoutMs: 60,
        reconnectBaseDelayMs: 10,
      }),
    );

    await waitFor("a second connection", () => connections >= 2);

    expect(pings[0]).toBe('{"type":"ping"}');
    expect(seen.statuses).toContain("reconnecting");
    expect(seen.errors[0]?.message).toMatch(/no pong/i);
  });

  it("renews its connection before the cap without losing or repeating a message", async () => {
    const roomId = uniqueRoom("renew");
    const bob = clientFor(stack.current, "bob");
    const seen = watch(
      clientFor(stack.current, "alice").connect({ roomId, backlog: 0, maxConnectionAgeMs: 150 }),
    );
    await waitFor("live", () => seen.statuses.includes("live"));

    const sent = [];
    for (let i = 0; i < 40; i++) {
      sent.push(await bob.send(roomId, { text: `m${i}` }));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await waitFor("every message", () => seen.messages.length >= 40);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(seen.statuses.filter((status) => status === "reconnecting").length).toBeGreaterThanOrEqual(1);
    expect(ids(seen.messages)).toEqual(ids(sent));
  });

  it("stops for good on close", async () => {
    const roomId = uniqueRoom("closed");
    const subscription = clientFor(stack.current, "alice").connect({ roomId, backlog: 0 });
    const seen = watch(subscription);
    await waitFor("live", () => seen.statuses.includes("live"));
    const statuses: ConnectionStatus[] = [];
    subscription.on("status", (status) => statuses.push(status));

    subscription.close();
    await clientFor(stack.current, "bob").send(roomId, { text: "nobody listens" });
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(subscription.status).toBe("closed");
    expect(statuses).toEqual(["closed"]);
    expect(seen.messages).toEqual([]);
    expect(
      await waitFor("no connection left", async () => (await dropConnections(stack.current, roomId)) === 0),
    ).toBe(true);
  });
});
