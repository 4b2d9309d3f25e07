import { execFile } from "node:child_process";
import { cpus } from "node:os";
import { promisify } from "node:util";
import { startLocalStack } from "@chat/local";
import { ServerFrame } from "@chat/types";
import * as v from "valibot";
import WebSocket from "ws";

// End-to-end latency on the local stack: a message posted with curl, until a WebSocket client receives its frame.
const count = Number(process.env.BENCH_MESSAGES ?? 200);
const run = promisify(execFile);

const stack = await startLocalStack({ httpPort: 0, wsPort: 0, tableName: "chat-bench" });
try {
  const socket = new WebSocket(`${stack.wsUrl}/?roomId=bench&userId=listener&username=Listener`);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  const arrivals = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  socket.on("message", (data) => {
    const frame = v.parse(ServerFrame, JSON.parse(String(data)));
    if (frame.type !== "message") return;
    arrivals.set(frame.message.text, performance.now());
    waiting.get(frame.message.text)?.();
  });

  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const text = `latency probe ${i}`;
    const arrived = new Promise<void>((resolve) => waiting.set(text, resolve));
    const body = JSON.stringify({ userId: "poster", username: "Poster", text });
    const started = performance.now();
    await run("curl", [
      "-sf",
      "-X",
      "POST",
      "-H",
      "content-type: application/json",
      "-d",
      body,
      `${stack.httpUrl}/rooms/bench/messages`,
    ]);
    await arrived;
    latencies.push((arrivals.get(text) ?? Number.NaN) - started);
    if (process.stdout.isTTY) process.stdout.write(`\r${i + 1}/${count} messages`);
  }
  socket.close();

  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    messages: count,
    medianMs: Number(at(0.5).toFixed(1)),
    p99Ms: Number(at(0.99).toFixed(1)),
    maxMs: Number(at(1).toFixed(1)),
  };
  console.log(`\n${JSON.stringify(result, null, 2)}`);
} finally {
  await stack.stop();
}
