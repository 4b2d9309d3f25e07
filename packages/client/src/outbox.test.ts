import { type ChatMessage, type ClientFrame, newMessageState } from "@chat/types";
import { afterEach, describe, expect, it } from "vitest";
import { ChatApiError } from "./errors";
import { Outbox, type PendingMessage } from "./outbox";
import type { SendInput } from "./rest-api";
import { Timers } from "./timers";

// No socket and no API: stand-ins for the owner's socket (it records frames, and is open or not as the test says)
// and for the REST API's `send` (it records posts and stores each clientMessageId once).
const timers = new Timers();
afterEach(() => timers.clear());

const stored = (roomId: string, { text, clientMessageId }: SendInput): ChatMessage => ({
  id: "01M8ME91KR0000000000000001",
  roomId,
  userId: "alice",
  username: "alice",
  text,
  createdAt: "2026-11-29T20:00:00.000Z",
  clientMessageId: clientMessageId ?? null,
  ...newMessageState(),
});

const outboxWith = ({ open, ackTimeoutMs = 10_000 }: { open: boolean; ackTimeoutMs?: number }) => {
  const frames: ClientFrame[] = [];
  const posts: { roomId: string; input: SendInput }[] = [];
  const pending: PendingMessage[] = [];
  const api = {
    userId: "alice",
    username: "alice",
    send: async (roomId: string, input: SendInput) => {
      posts.push({ roomId, input });
      return stored(roomId, input);
    },
  };
  const outbox = new Outbox(api, { sendOver: "socket", ackTimeoutMs, confirmAfterMs: 60_000 }, timers, {
    sendFrame: (frame) => {
      if (open) frames.push(frame);
      return open;
    },
    socketOpen: () => open,
    pending: (message) => pending.push(message),
    confirm: () => undefined,
    closed: () => false,
  });
  return { outbox, frames, posts, pending };
};

describe("Outbox", () => {
  it("sends over the socket and resolves with the acked message, without posting", async () => {
    const { outbox, frames, posts, pending } = outboxWith({ open: true });

    const sending = outbox.send("room", "hello", "c-1");
    outbox.acked("c-1", stored("room", { text: "hello", clientMessageId: "c-1" }));

    expect(await sending).toMatchObject({ text: "hello", clientMessageId: "c-1" });
    expect(frames).toEqual([{ type: "send", roomId: "room", text: "hello", clientMessageId: "c-1" }]);
    expect(posts).toEqual([]);
    expect(pending.map(({ state }) => state)).toEqual(["sending"]);
  });

  it("carries a reply's parentId in the send frame, and in the REST post when it falls back", async () => {
    const parentId = "01M8ME91KR0000000000000000";
    const socket = outboxWith({ open: true });
    const rest = outboxWith({ open: false });

    const sending = socket.outbox.send("room", "agreed", "c-r1", parentId);
    socket.outbox.acked("c-r1", stored("room", { text: "agreed", clientMessageId: "c-r1" }));
    await sending;
    await rest.outbox.send("room", "agreed too", "c-r2", parentId);

    expect(socket.frames).toEqual([
      { type: "send", roomId: "room", text: "agreed", clientMessageId: "c-r1", parentId },
    ]);
    expect(rest.posts).toEqual([
      { roomId: "room", input: { text: "agreed too", clientMessageId: "c-r2", parentId } },
    ]);
    expect(socket.pending[0]).toMatchObject({ parentId, state: "sending" });
  });

  it("posts with the same clientMessageId when no ack comes in time, or the socket is gone", async () => {
    const quiet = outboxWith({ open: true, ackTimeoutMs: 50 });
    const dropped = outboxWith({ open: true });

    const timedOut = await quiet.outbox.send("room", "anyone?", "c-2");
    const sending = dropped.outbox.send("room", "still there?", "c-3");
    dropped.outbox.socketGone();
    const fellBack = await sending;

    expect(timedOut.clientMessageId).toBe("c-2");
    expect(quiet.posts).toEqual([{ roomId: "room", input: { text: "anyone?", clientMessageId: "c-2" } }]);
    expect(fellBack.clientMessageId).toBe("c-3");
    expect(dropped.posts).toHaveLength(1);
  });

  it("posts at once while the socket is not open", async () => {
    const { outbox, frames, posts } = outboxWith({ open: false });

    await outbox.send("room", "over REST", "c-4");

    expect(frames).toEqual([]);
    expect(posts).toHaveLength(1);
  });

  it("rejects with the refusal of an error frame, keeps the send as failed, and retries it with the same id", async () => {
    const { outbox, frames, pending } = outboxWith({ open: true });
    const refusal = new ChatApiError(429, { code: "rate_limited", message: "Slow down" });

    const sending = outbox.send("room", "too fast", "c-5").catch((error: unknown) => error);
    const answered = outbox.refused("c-5", refusal);
    const failure = await sending;
    const retrying = outbox.retry("c-5");
    outbox.acked("c-5", stored("room", { text: "too fast", clientMessageId: "c-5" }));
    await retrying;

    expect(answered).toBe(true);
    expect(outbox.refused("c-unknown", refusal)).toBe(false);
    expect(failure).toBe(refusal);
    expect(pending.map(({ state }) => state)).toEqual(["sending", "failed", "sending"]);
    expect(pending[1]?.error).toBe(refusal);
    expect(frames.map((frame) => frame.type === "send" && frame.clientMessageId)).toEqual(["c-5", "c-5"]);
  });

  it("refuses a bad message unsent with a 400 ChatApiError", () => {
    const { outbox, frames, posts } = outboxWith({ open: true });

    expect(() => outbox.send("room", "   ", "c-6")).toThrow(ChatApiError);
    expect(frames).toEqual([]);
    expect(posts).toEqual([]);
  });
});
