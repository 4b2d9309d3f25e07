import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebhookEvent, WebhookEventType } from "@chat/types";
import { Webhook } from "standardwebhooks";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "./stack";

// A webhook receiver on loopback that verifies every request with the `standardwebhooks` package. The queue runs
// at 1/100 of real time: the 5 s, 30 s and 120 s backoffs take 50 ms, 300 ms and 1.2 s.
const secret = `whsec_${Buffer.from("integration-test-secret-0123456789").toString("base64")}`;
const verifier = new Webhook(secret);

interface Received {
  headers: IncomingHttpHeaders;
  event: WebhookEvent;
  at: number;
}
const received: Received[] = [];
const badSignatures: string[] = [];
/** Rooms whose message.created deliveries fail (500) this many times before succeeding. */
const failFirst = new Map<string, number>();
const attempts = new Map<string, number>();

let receiver: Server;
let stack: LocalStack;

beforeAll(async () => {
  receiver = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    let event: WebhookEvent;
    try {
      event = v.parse(WebhookEvent, verifier.verify(body, request.headers as Record<string, string>));
    } catch (error) {
      badSignatures.push(String(error));
      return void response.writeHead(400).end();
    }
    const count = (attempts.get(event.id) ?? 0) + 1;
    attempts.set(event.id, count);
    const roomId = (event.data as { message?: { roomId: string } }).message?.roomId ?? "";
    received.push({ headers: request.headers, event, at: Date.now() });
    response.writeHead(count <= (failFirst.get(roomId) ?? 0) ? 500 : 204).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-webhooks",
    integrations: {
      webhooks: [
        {
          url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
          events: [...WebhookEventType.options],
          secret: "WebhookSecret",
        },
      ],
    },
    secrets: { WebhookSecret: secret },
    queueDelayScale: 0.01,
  });
});

afterAll(async () => {
  await stack?.stop();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

const call = (method: string, path: string, userId: string, body?: object) =>
  fetch(`${stack.httpUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", "x-user-id": userId },
    ...(body && { body: JSON.stringify(body) }),
  });

const until = async (condition: () => boolean, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** The events received for a room, deduplicated by id, in order of first arrival. */
const eventsFor = (roomId: string) => {
  const seen = new Map<string, WebhookEvent>();
  for (const { event } of received) {
    const data = event.data as { roomId?: string; room?: { roomId: string }; message?: { roomId: string } };
    const room = data.roomId ?? data.room?.roomId ?? data.message?.roomId;
    if (room === roomId && !seen.has(event.id)) seen.set(event.id, event);
  }
  return [...seen.values()];
};

describe("webhooks", () => {
  it("delivers each event of a room's life once, signed, with the contract's shape", async () => {
    const roomId = `hooks-${Date.now().toString(36)}`;
    expect((await call("POST", "/rooms", "owner", { roomId, name: "Hooks" })).status).toBe(201);
    const sent = await call("POST", `/rooms/${roomId}/messages`, "owner", {
      userId: "owner",
      username: "Olivia",
      text: "hello hooks",
    });
    const { message } = (await sent.json()) as { message: { id: string } };
    expect((await call("PUT", `/rooms/${roomId}/members/bob`, "owner", {})).status).toBe(201);
    expect((await call("DELETE", `/rooms/${roomId}/members/bob`, "owner")).status).toBe(204);

    await until(() => eventsFor(roomId).length >= 5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = eventsFor(roomId);
    expect(badSignatures).toEqual([]);
    expect(events.map((event) => event.type).sort()).toEqual(
      ["member.added", "member.added", "member.removed", "message.created", "room.created"].sort(),
    );
    expect(events.find((event) => event.type === "room.created")?.data).toMatchObject({
      room: { roomId, kind: "public", name: "Hooks", createdBy: "owner" },
    });
    expect(events.find((event) => event.type === "message.created")?.data).toMatchObject({
      message: { id: message.id, roomId, userId: "owner", text: "hello hooks" },
    });
    expect(events.filter((event) => event.type === "member.added").map((event) => event.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          roomId,
          member: expect.objectContaining({ userId: "owner", role: "owner" }),
        }),
        expect.objectContaining({
          roomId,
          member: expect.objectContaining({ userId: "bob", role: "member" }),
        }),
      ]),
    );
    expect(events.find((event) => event.type === "member.removed")?.data).toEqual({ roomId, userId: "bob" });
    // Each request's headers name the event it carries.
    for (const { headers, event } of received) expect(headers["webhook-id"]).toBe(event.id);
  });

  it("tells of edits, deletes and reactions: message.updated, message.deleted, reaction.added / removed", async () => {
    const roomId = `hooks-live-${Date.now().toString(36)}`;
    const sent = await call("POST", `/rooms/${roomId}/messages`, "ann", {
      userId: "ann",
      username: "Ann",
      text: "first draft",
    });
    const { message } = (await sent.json()) as { message: { id: string } };
    const path = `/rooms/${roomId}/messages/${message.id}`;
    expect((await call("PATCH", path, "ann", { text: "second draft" })).status).toBe(200);
    expect((await call("PUT", `${path}/reactions/${encodeURIComponent("👍")}`, "ann")).status).toBe(204);
    expect((await call("DELETE", `${path}/reactions/${encodeURIComponent("👍")}`, "ann")).status).toBe(204);
    expect((await call("DELETE", path, "ann")).status).toBe(200);

    const kinds = ["message.updated", "reaction.added", "reaction.removed", "message.deleted"];
    await until(() => eventsFor(roomId).filter((event) => kinds.includes(event.type)).length >= 4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = eventsFor(roomId).filter((event) => kinds.includes(event.type));
    expect(events.map((event) => event.type).sort()).toEqual([...kinds].sort());
    const byType = (type: string) => events.find((event) => event.type === type)?.data;
    expect(byType("message.updated")).toMatchObject({ message: { id: message.id, text: "second draft" } });
    expect(byType("message.deleted")).toMatchObject({ message: { id: message.id, text: "" } });
    const reaction = { roomId, messageId: message.id, emoji: "👍", userId: "ann" };
    expect(byType("reaction.added")).toEqual(reaction);
    expect(byType("reaction.removed")).toEqual(reaction);
  });

  it("retries a failing endpoint with growing backoff and the same event id: delivered on the 4th attempt", async () => {
    const roomId = `retry-${Date.now().toString(36)}`;
    failFirst.set(roomId, 3);
    const posted = Date.now();
    const sent = await call("POST", `/rooms/${roomId}/messages`, "rita", {
      userId: "rita",
      username: "Rita",
      text: "try again",
    });
    expect(sent.status).toBe(201);
    const isIt = (r: Received) =>
      r.event.type === "message.created" && eventsFor(roomId).some((e) => e.id === r.event.id);
    await until(() => received.filter(isIt).length >= 4);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const tries = received.filter(isIt);
    expect(tries).toHaveLength(4);
    expect(new Set(tries.map((t) => t.event.id)).size).toBe(1);
    expect(new Set(tries.map((t) => t.headers["webhook-signature"])).size).toBeGreaterThan(0);
    const gaps = tries.slice(1).map((t, i) => t.at - (tries[i]?.at ?? 0));
    // 5 s, 30 s, 120 s scaled by 0.01; each gap at least its backoff, and growing.
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(290);
    expect(gaps[2]).toBeGreaterThanOrEqual(1_190);
    expect(gaps[2] ?? 0).toBeGreaterThan(gaps[1] ?? 0);
    console.log(
      `[webhooks] first attempt ${tries[0] ? tries[0].at - posted : "?"} ms after the post; retry gaps ${gaps.join(", ")} ms (scale 0.01)`,
    );
    expect(stack.webhookFailures()).toEqual([]);
  });
});
