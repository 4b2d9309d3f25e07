import WebSocket from "ws";
import { type CapacityUse, totalUnits } from "../lib/capacity";
import { startHost } from "../lib/host";
import { httpClient, postMessage } from "../lib/http";
import { arrivals } from "../lib/listener";
import { type BenchContext, ms, type Row, type ScenarioResult } from "../lib/scenario";
import { quantile, round, summarize } from "../lib/stats";
import { storageEnvironment } from "../lib/storage";
import { hostEnvironment } from "../lib/table";

const ROOM = "bench-live";

type Measured = { uses: CapacityUse[]; messageBytes: number };

const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 50));

const call = async (method: string, url: string, userId: string, body?: unknown) => {
  const response = await fetch(url, {
    method,
    headers: { "x-user-id": userId, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (response.status >= 300)
    throw new Error(`${method} ${url} answered ${response.status}: ${await response.text()}`);
  return response;
};

/** A listener that names each frame: `message:<text>`, `updated:<text>`, `reaction:<count>:<event>`. */
const listen = (wsUrl: string, arrive: (key: string) => void): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(
      `${wsUrl}/?${new URLSearchParams({ roomId: ROOM, userId: "listener", username: "L" })}`,
    );
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as {
        type: string;
        message?: { text: string };
        count?: number;
        event?: string;
      };
      if (frame.type === "message" && frame.message) arrive(`message:${frame.message.text}`);
      if (frame.type === "message.updated" && frame.message) arrive(`updated:${frame.message.text}`);
      if (frame.type === "reaction") arrive(`reaction:${frame.event}`);
    });
    socket.once("error", reject);
    socket.once("open", () => resolve(socket));
  });

const costNames: Record<string, string> = {
  edit: "an edit",
  firstReaction: "a message's first reaction",
  reaction: "a reaction",
  removal: "a reaction's removal",
  delete: "a delete",
};

const reads = new Set(["GetItem", "Query", "BatchGetItem", "TransactGetItems"]);

/** A write's units, reads and writes apart (a read before a write is RCU, the write WCU). */
const wcu = ({ uses }: Measured) => {
  const read = totalUnits(uses.filter(({ operation }) => reads.has(operation)));
  const written = totalUnits(uses.filter(({ operation }) => !reads.has(operation)));
  return `${written} WCU + ${read} RCU`;
};

/**
 * Messages that live: what each new write costs (edit, delete, a reaction added and removed, as the core calls
 * make them, with ReturnConsumedCapacity), 100 users reacting to one message at once through the HTTP API (time,
 * the exact count, every frame), and how long an edit takes to reach a listener next to a new message.
 */
export const run = async (context: BenchContext): Promise<ScenarioResult> => {
  const { httpUrl, wsUrl } = context;
  const crowd = context.smoke ? 10 : 100;
  const rounds = context.smoke ? 5 : 40;
  const progress = context.progress("messages that live");
  const host = await startHost(
    new URL("../hosts/messages-live.ts", import.meta.url),
    hostEnvironment(storageEnvironment(context.dynamoEndpoint, "bench-messages-live", "bench")),
  );
  const frames = arrivals();
  const socket = await listen(wsUrl, frames.arrive);
  const client = httpClient(1);
  const rows: Row[] = [];
  const data: Record<string, unknown> = {};
  try {
    const costs = await host.call<Record<string, Measured>>("writes", { roomId: "costs" });
    data.costs = costs;
    for (const [name, measured] of Object.entries(costs)) {
      rows.push({
        scenario: `messages that live: cost of ${costNames[name] ?? name}`,
        ours: `${wcu(measured)} (${measured.uses.map((use) => use.operation).join(" + ")}; message row ~${measured.messageBytes} B)`,
        baseline: "—",
        ratio: "—",
        target: "report; justify every unit",
        met: null,
      });
    }
    progress.update("costs measured");

    // 100 users react to one message at once, then all take it back.
    const { message } = (await (
      await call("POST", `${httpUrl}/rooms/${ROOM}/messages`, "author", {
        userId: "author",
        username: "Author",
        text: "react to me",
      })
    ).json()) as { message: { id: string } };
    const reactionUrl = `${httpUrl}/rooms/${ROOM}/messages/${message.id}/reactions/${encodeURIComponent("👍")}`;
    const users = Array.from({ length: crowd }, (_, i) => `fan-${i}`);
    const added = frames.expect("reaction:added", crowd, 120_000);
    const started = performance.now();
    await Promise.all(users.map((userId) => call("PUT", reactionUrl, userId)));
    const answered = performance.now() - started;
    const allFrames = (await added) - started;
    const history = (await (
      await call("GET", `${httpUrl}/rooms/${ROOM}/messages?limit=1`, "reader")
    ).json()) as {
      messages: { reactions: { emoji: string; count: number }[] }[];
    };
    const count = history.messages[0]?.reactions[0]?.count ?? 0;
    const removed = frames.expect("reaction:removed", crowd, 120_000);
    const removing = performance.now();
    await Promise.all(users.map((userId) => call("DELETE", reactionUrl, userId)));
    const removedAnswered = performance.now() - removing;
    await removed;
    const after = (await (
      await call("GET", `${httpUrl}/rooms/${ROOM}/messages?limit=1`, "reader")
    ).json()) as {
      messages: { reactions: unknown[] }[];
    };
    const left = after.messages[0]?.reactions.length ?? -1;
    rows.push({
      scenario: `messages that live: ${crowd} users react to one message at once`,
      ours: `all answered in ${ms(answered)}, all ${crowd} frames in ${ms(allFrames)}; count ${count}; all removed in ${ms(removedAnswered)}, ${left} left`,
      baseline: "—",
      ratio: "—",
      target: `count exactly ${crowd}, then none`,
      met: count === crowd && left === 0,
    });
    Object.assign(data, { crowd, answeredMs: round(answered), framesMs: round(allFrames), count, left });
    progress.update("concurrent reactions");

    // Edit-to-frame next to send-to-frame, one at a time, alternating.
    const sendLatency: number[] = [];
    const editLatency: number[] = [];
    for (let i = 0; i < rounds; i++) {
      await pause();
      const text = `latency ${i}`;
      const arrived = frames.expect(`message:${text}`, 1, 10_000);
      const sent = performance.now();
      await postMessage(client, httpUrl, ROOM, { userId: "author", username: "Author", text });
      sendLatency.push((await arrived) - sent);
      const latest = (await (
        await call("GET", `${httpUrl}/rooms/${ROOM}/messages?limit=1`, "reader")
      ).json()) as {
        messages: { id: string }[];
      };
      await pause();
      const editedText = `edited ${i}`;
      const edited = frames.expect(`updated:${editedText}`, 1, 10_000);
      const editing = performance.now();
      await call("PATCH", `${httpUrl}/rooms/${ROOM}/messages/${latest.messages[0]?.id}`, "author", {
        text: editedText,
      });
      editLatency.push((await edited) - editing);
      progress.update(`latency ${i + 1}/${rounds}`);
    }
    const [send, edit] = [summarize(sendLatency), summarize(editLatency)];
    rows.push({
      scenario: `messages that live: edit-to-frame latency, 1 listener, ${rounds} edits`,
      ours: `p50 ${ms(edit.median)}, p99 ${ms(edit.p99)}`,
      baseline: `send-to-frame p50 ${ms(send.median)}, p99 ${ms(send.p99)}`,
      ratio: `${edit.median - send.median >= 0 ? "+" : ""}${ms(edit.median - send.median)} at p50`,
      target: "p50 within 30 ms of a send's",
      met: edit.median - send.median <= 30,
    });
    data.latency = {
      editMs: { median: round(edit.median), p99: round(quantile(editLatency, 0.99)) },
      sendMs: { median: round(send.median), p99: round(quantile(sendLatency, 0.99)) },
    };
  } finally {
    progress.done();
    client.close();
    socket.close();
    await host.stop();
  }
  return {
    rows,
    data,
    notes: [
      "messages that live: write costs from one core call each on a table of its own (ReturnConsumedCapacity; a " +
        "write transaction billed as AWS does, 2 WCU per started KB of each item; an UpdateItem is billed by the " +
        "larger of the item before and after, here the message row, well under 1 KB). The crowd: PUTs of one emoji " +
        "by distinct users at once through the HTTP API, then DELETEs; the count read back from history. Latency: " +
        "a POST until its `message` frame, then a PATCH of it until its `message.updated` frame, alternating, each " +
        "after a random 0-50 ms pause.",
    ],
  };
};
