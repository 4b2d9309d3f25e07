import { SendMessageResponse } from "@chat/types";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, historyIds, isMessage, type TestClient } from "../test/clients";
import { type LocalStack, startLocalStack } from "./stack";

// Delivery guarantees under retries and failures, measured on the real stack.
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-delivery",
    limits: { sendsPerMinute: 1_000_000 },
  });
});

afterAll(async () => {
  await stack?.stop();
});

const post = async (roomId: string, clientMessageId: string) => {
  const response = await fetch(`${stack.httpUrl}/rooms/${roomId}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      userId: "poster",
      username: "Poster",
      text: `text of ${clientMessageId}`,
      clientMessageId,
    }),
  });
  return { status: response.status, id: v.parse(SendMessageResponse, await response.json()).message.id };
};

const history = (roomId: string) => historyIds(stack.httpUrl, roomId);

/** Message ids a client received, in arrival order, after dropping repeats (what a deduping client shows). */
const deduped = (client: TestClient) => [
  ...new Set(client.frames.filter(isMessage).map((frame) => frame.message.id)),
];
const receivedAll = (client: TestClient, count: number) => {
  const ids = new Set<string>();
  return client.until(() => {
    for (const frame of client.frames) if (isMessage(frame)) ids.add(frame.message.id);
    return ids.size >= count;
  }, 180_000);
};
const duplicates = (client: TestClient) => client.frames.filter(isMessage).length - deduped(client).length;

describe("delivery", () => {
  it("delivers every message once per client (after dedup), in order, with 10% of posts retried", async () => {
    const rooms = ["a", "b", "c"].map((name) => `exactly-${name}-${Date.now()}`);
    const clients = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        connectClient(stack.wsUrl, {
          roomId: rooms[i % 3] ?? "",
          userId: `reader-${i}`,
          username: `Reader ${i}`,
        }),
      ),
    );

    // One poster per room, the three in parallel: 1,000 messages, every tenth posted twice with the same id.
    const acked = await Promise.all(
      rooms.map(async (roomId, r) => {
        const ids: string[] = [];
        for (let i = r; i < 1000; i += 3) {
          const first = await post(roomId, `m-${i}`);
          expect(first.status).toBe(201);
          if (i % 10 === 0) expect(await post(roomId, `m-${i}`)).toEqual({ status: 200, id: first.id });
          ids.push(first.id);
        }
        return ids;
      }),
    );

    await Promise.all(clients.map((client, i) => receivedAll(client, acked[i % 3]?.length ?? 0)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const [i, client] of clients.entries()) expect(deduped(client)).toEqual(acked[i % 3]);
    for (const [r, roomId] of rooms.entries()) expect(await history(roomId)).toEqual(acked[r]);
    const repeats = clients.reduce((sum, client) => sum + duplicates(client), 0);
    console.log(`exactly-once: 1000 messages (100 retried) to 20 clients, ${repeats} duplicate frames`);
    await Promise.all(clients.map((client) => client.close()));
    // 1,100 real posts and 20,000 pushes: minutes, not seconds, when CI runs every package's tests at once.
  }, 300_000);

  it("retries deliveries while the management API throttles or fails, losing none", async () => {
    const roomId = `flaky-${Date.now()}`;
    const clients = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        connectClient(stack.wsUrl, { roomId, userId: `r${i}`, username: `R${i}` }),
      ),
    );

    stack.failPosts(429, 40);
    const ids: string[] = [];
    for (let i = 0; i < 15; i++) ids.push((await post(roomId, `t-${i}`)).id);
    stack.failPosts(500, 20);
    for (let i = 15; i < 30; i++) ids.push((await post(roomId, `t-${i}`)).id);

    await Promise.all(clients.map((client) => receivedAll(client, 30)));
    for (const client of clients) expect(deduped(client)).toEqual(ids);
    const repeats = clients.reduce((sum, client) => sum + duplicates(client), 0);
    console.log(
      `flaky management API: 30 messages to 5 clients through 60 failed posts, ${repeats} duplicate frames`,
    );
    await Promise.all(clients.map((client) => client.close()));
  });
});
