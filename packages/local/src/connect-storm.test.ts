import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type LocalStack, startLocalStack } from "./stack";

// A connect storm, reduced (`pnpm bench` runs 5,000): distinct users open a socket to one room all at once; every
// handshake is accepted, the room's online count says so, and one message then reaches every socket. Behaviour
// only: on a loaded machine this takes minutes, hence the timeout.
const STORM = 300;
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ httpPort: 0, wsPort: 0, tableName: "chat-connect-storm" });
});

afterAll(async () => {
  await stack?.stop();
});

interface Storming {
  socket: WebSocket;
  handshakeMs: number;
  received: Set<string>;
}

const open = (roomId: string, userId: string): Promise<Storming> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = new WebSocket(
      `${stack.wsUrl}/?${new URLSearchParams({ roomId, userId, username: userId })}`,
    );
    const received = new Set<string>();
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as { type: string; message?: { text: string } };
      if (frame.type === "message" && frame.message) received.add(frame.message.text);
    });
    socket.once("unexpected-response", (_, response) => reject(new Error(`refused: ${response.statusCode}`)));
    socket.once("error", reject);
    socket.once("open", () => resolve({ socket, handshakeMs: performance.now() - started, received }));
  });

describe("a connect storm", () => {
  it(`subscribes ${STORM} users joining one room at once, and delivers one message to every one`, async () => {
    const roomId = `storm-${Date.now().toString(36)}`;
    const started = performance.now();

    const results = await Promise.allSettled(
      Array.from({ length: STORM }, (_, i) => open(roomId, `storm-user-${i}`)),
    );
    const allIn = performance.now() - started;
    const clients = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failures = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
    try {
      expect(failures.slice(0, 5)).toEqual([]);
      const posted = await fetch(`${stack.httpUrl}/rooms/${roomId}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId: "announcer", username: "Announcer", text: "welcome, everyone" }),
      });
      expect(posted.status).toBe(201);
      const deadline = Date.now() + 120_000;
      while (clients.some((c) => !c.received.has("welcome, everyone")) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const reached = clients.filter((c) => c.received.has("welcome, everyone")).length;
      const room = (await (
        await fetch(`${stack.httpUrl}/rooms/${roomId}`, { headers: { "x-user-id": "x" } })
      ).json()) as {
        online: number;
      };
      const handshakes = clients.map((c) => c.handshakeMs).sort((a, b) => a - b);
      console.info(
        `connect storm: ${clients.length}/${STORM} in ${Math.round(allIn)} ms, handshake p50 ` +
          `${Math.round(handshakes[Math.floor(handshakes.length / 2)] ?? 0)} ms, p99 ` +
          `${Math.round(handshakes[Math.floor(handshakes.length * 0.99)] ?? 0)} ms; reached ${reached}`,
      );

      expect(reached).toBe(STORM);
      expect(room.online).toBe(STORM);
    } finally {
      await Promise.all(
        clients.map(
          (c) =>
            new Promise<void>((closed) => {
              c.socket.once("close", () => closed());
              c.socket.close();
            }),
        ),
      );
    }
  }, 600_000);
});
