import { PresenceResponse, type ServerFrame } from "@chat/types";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, isMessage, type TestClient } from "../test/clients";
import { type LocalStack, startLocalStack } from "./stack";

// One socket, many rooms; send over the socket; typing; presence — end to end on the local stack.
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-realtime",
    // A short presence settle time: a leave is announced 5 settle times after the join at the soonest.
    limits: {
      sendsPerMinute: 1_000,
      framesPerMinute: 1_000,
      subscriptionsPerMinute: 1_000,
      presenceSettleMs: 300,
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

let rooms = 0;
const room = (name: string) => `${name}-${Date.now()}-${rooms++}`;
const sendFrame = (client: TestClient, frame: object) => client.socket.send(JSON.stringify(frame));
const post = (roomId: string, text: string) =>
  fetch(`${stack.httpUrl}/rooms/${roomId}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId: "poster", username: "Poster", text }),
  });
const members = async (roomId: string) =>
  v.parse(PresenceResponse, await (await fetch(`${stack.httpUrl}/rooms/${roomId}/presence`)).json()).users;
const ofType =
  <T extends ServerFrame["type"]>(type: T) =>
  (frame: ServerFrame): frame is Extract<ServerFrame, { type: T }> =>
    frame.type === type;
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe("many rooms on one socket", () => {
  it("receives exactly the messages of the rooms it is subscribed to, until it unsubscribes", async () => {
    const [a, b, c, other] = [room("a"), room("b"), room("c"), room("other")];
    const client = await connectClient(stack.wsUrl, { roomId: a, userId: "multi", username: "Multi" });
    sendFrame(client, { type: "subscribe", roomId: b });
    sendFrame(client, { type: "subscribe", roomId: c });
    await client.waitFor(2, ofType("subscribed"));

    for (const roomId of [a, b, c, other]) await post(roomId, `hello ${roomId}`);
    await client.waitFor(3, isMessage);
    sendFrame(client, { type: "unsubscribe", roomId: b });
    await client.waitFor(1, ofType("unsubscribed"));
    await post(b, "after unsubscribe");
    await post(a, "still here");
    await client.waitFor(4, isMessage);
    await settle();

    const texts = client.frames.filter(isMessage).map((frame) => frame.message.text);
    expect(texts.slice(0, 3).sort()).toEqual([`hello ${a}`, `hello ${b}`, `hello ${c}`].sort());
    expect(texts.slice(3)).toEqual(["still here"]);
    await client.close();
  });

  it("refuses bad and over-limit subscriptions with error frames, keeping the socket open", async () => {
    const base = room("limit");
    const client = await connectClient(stack.wsUrl, {
      roomId: `${base}-0`,
      userId: "greedy",
      username: "Greedy",
    });
    for (let i = 1; i < 20; i++) sendFrame(client, { type: "subscribe", roomId: `${base}-${i}` });
    await client.waitFor(19, ofType("subscribed"));

    sendFrame(client, { type: "subscribe", roomId: `${base}-20` });
    sendFrame(client, { type: "subscribe", roomId: "Not A Room!" });
    sendFrame(client, { type: "typing", roomId: room("elsewhere") });

    const errors = await client.waitFor(3, ofType("error"));
    const summary = errors.map((frame) => frame.type === "error" && [frame.error.code, frame.roomId ?? null]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ["forbidden", `${base}-20`],
        ["validation_failed", null],
        ["forbidden", expect.stringMatching(/^elsewhere-/)],
      ]),
    );
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    await client.close();
  });
});

describe("send over the socket", () => {
  it("acks the sender with the stored message, which then reaches the whole room, sender included", async () => {
    const roomId = room("send");
    const sender = await connectClient(stack.wsUrl, { roomId, userId: "sender", username: "Sender" });
    const reader = await connectClient(stack.wsUrl, { roomId, userId: "reader", username: "Reader" });

    sendFrame(sender, { type: "send", roomId, text: "  over the socket  ", clientMessageId: "s-1" });
    sendFrame(sender, { type: "send", roomId, text: "", clientMessageId: "s-2" });
    // Frames are handled concurrently (as API Gateway invokes them): the repeat goes once the first is stored.
    await sender.waitFor(1, ofType("ack"));
    sendFrame(sender, { type: "send", roomId, text: "repeat", clientMessageId: "s-1" });

    const acks = await sender.waitFor(2, ofType("ack"));
    const [error] = await sender.waitFor(1, ofType("error"));
    const [pushed] = await reader.waitFor(1, isMessage);
    await sender.waitFor(1, isMessage);
    await settle();
    expect(acks[0]).toMatchObject({
      clientMessageId: "s-1",
      message: { text: "over the socket", userId: "sender" },
    });
    expect(acks[1]).toEqual(acks[0]);
    expect(error).toMatchObject({ clientMessageId: "s-2", error: { code: "validation_failed" } });
    expect(pushed).toEqual({ type: "message", message: acks[0]?.type === "ack" && acks[0].message });
    expect(reader.frames.filter(isMessage)).toHaveLength(1);
    await Promise.all([sender.close(), reader.close()]);
  });
});

describe("typing and presence", () => {
  it("relays typing to the room's other sockets but not to the typist, throttled per user", async () => {
    const roomId = room("typing");
    const typist = await connectClient(stack.wsUrl, { roomId, userId: "typist", username: "Typist" });
    const watcher = await connectClient(stack.wsUrl, { roomId, userId: "watcher", username: "Watcher" });

    for (let i = 0; i < 5; i++) sendFrame(typist, { type: "typing", roomId });
    const [notice] = await watcher.waitFor(1, ofType("typing"));
    await settle();

    expect(notice).toEqual({ type: "typing", roomId, userId: "typist", username: "Typist" });
    expect(watcher.frames.filter(ofType("typing"))).toHaveLength(1);
    expect(typist.frames.filter(ofType("typing"))).toHaveLength(0);
    await Promise.all([typist.close(), watcher.close()]);
  });

  it("keeps presence and members right when one user has two sockets and one is killed", async () => {
    const roomId = room("presence");
    const observer = await connectClient(stack.wsUrl, { roomId, userId: "observer", username: "Observer" });
    const first = await connectClient(stack.wsUrl, { roomId, userId: "dana", username: "Dana" });
    await observer.waitFor(1, ofType("presence"));
    const second = await connectClient(stack.wsUrl, { roomId, userId: "dana", username: "Dana" });
    await settle();
    expect((await members(roomId)).map((m) => m.userId).sort()).toEqual(["dana", "observer"]);

    first.socket.terminate();
    await settle();
    expect((await members(roomId)).map((m) => m.userId).sort()).toEqual(["dana", "observer"]);
    second.socket.terminate();
    await observer.waitFor(2, ofType("presence"), 10_000);
    await settle();

    expect(observer.frames.filter(ofType("presence"))).toEqual([
      { type: "presence", roomId, event: "join", userId: "dana", username: "Dana" },
      { type: "presence", roomId, event: "leave", userId: "dana", username: "Dana" },
    ]);
    expect((await members(roomId)).map((m) => m.userId)).toEqual(["observer"]);
    await observer.close();
  });
});
