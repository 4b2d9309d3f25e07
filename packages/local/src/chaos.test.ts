import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DynamoDbLocal, startDynamoDbLocal } from "@chat/dynamodb-local";
import { SendMessageResponse } from "@chat/types";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, historyIds, isMessage } from "../test/clients";
import { type LocalStack, startLocalStack } from "./stack";

// DynamoDB Local stopped in the middle of a load run and started again on the same port and data directory.
let dataDir: string;
let dynamo: DynamoDbLocal;
let stack: LocalStack;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "chat-chaos-"));
  dynamo = await startDynamoDbLocal({ dataDir });
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    dynamoEndpoint: dynamo.endpoint,
    tableName: "chat-chaos",
    limits: { sendsPerMinute: 1_000_000 },
  });
});

afterAll(async () => {
  await stack?.stop();
  await dynamo?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

interface Outcome {
  status: number;
  id: string | undefined;
  started: number;
  ended: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("chaos", () => {
  it("answers only 503 while DynamoDB is down, recovers by itself, and loses no acknowledged message", async () => {
    const roomId = "chaos";
    const listener = await connectClient(stack.wsUrl, { roomId, userId: "listener", username: "Listener" });
    const outcomes: Outcome[] = [];
    let running = true;
    let sequence = 0;
    const poster = async () => {
      while (running) {
        const started = Date.now();
        const response = await fetch(`${stack.httpUrl}/rooms/${roomId}/messages`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            userId: "u1",
            username: "load",
            text: "load",
            clientMessageId: `c${sequence++}`,
          }),
        });
        const body: unknown = await response.json();
        const id = response.status === 201 ? v.parse(SendMessageResponse, body).message.id : undefined;
        outcomes.push({ status: response.status, id, started, ended: Date.now() });
        if (response.status === 503) await sleep(50);
      }
    };
    const posters = Array.from({ length: 4 }, poster);

    await sleep(1_500);
    await dynamo.stop();
    const down = Date.now();
    await sleep(2_000);
    const restarting = Date.now();
    dynamo = await startDynamoDbLocal({ port: dynamo.port, dataDir });
    const up = Date.now();
    await sleep(3_000);
    running = false;
    await Promise.all(posters);

    const during = outcomes.filter((o) => o.started >= down && o.ended <= restarting);
    const after = outcomes.filter((o) => o.started >= up + 1_000);
    const acked = outcomes.flatMap((o) => (o.id ? [o.id] : []));
    console.log(
      `chaos: ${outcomes.length} posts, ${acked.length} acknowledged, ${during.length} during the outage ` +
        `(statuses ${[...new Set(during.map((o) => o.status))]}), ${after.length} after it ` +
        `(${after.filter((o) => o.status === 201).length} 201), slowest ${Math.max(...outcomes.map((o) => o.ended - o.started))} ms`,
    );
    expect(new Set(outcomes.map((o) => o.status))).toEqual(new Set([201, 503]));
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((o) => o.status === 503)).toBe(true);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((o) => o.status === 201)).toBe(true);
    expect(Math.max(...outcomes.map((o) => o.ended - o.started))).toBeLessThan(10_000);

    const stored = new Set(await historyIds(stack.httpUrl, roomId));
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);

    // The push path recovered too: messages acknowledged after the outage reach the listener.
    const lastAcked = after.at(-1)?.id;
    await listener.waitFor(1, (frame) => isMessage(frame) && frame.message.id === lastAcked, 10_000);
    await listener.close();
  });
});
