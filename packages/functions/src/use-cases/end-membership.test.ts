import * as Connection from "@chat/core/connection";
import { ServerFrame } from "@chat/types";
import * as v from "valibot";
import { afterEach, describe, expect, it, vi } from "vitest";
import { uniqueId } from "../../test/events";
import { postsReceived } from "../../test/fake-management-api";
import { deliver, pagesFrom, pagesOf } from "../fan-out";
import { AUDIENCE_MAX_AGE_MS } from "../fan-out/audience";
import { encodeFrame } from "../management-api";
import { logger } from "../observability";
import { endMembership, REMOVAL_FENCE_MS } from "./end-membership";

// DynamoDB Local and the fake management API (AWS's own, mocked: it records each post in order of arrival).
const connect = async (roomId: string, userId: string) => {
  const connectionId = uniqueId(`c-${userId}`);
  const result = await Connection.connect({
    connectionId,
    roomId,
    userId,
    username: userId,
    maxConnections: 10,
  });
  if (!result.connected) throw new Error("not connected");
  return connectionId;
};

/** The frames posted to a connection, in the order the management API received them. */
const framesTo = async (connectionId: string) =>
  (await postsReceived())
    .filter((post) => post.connectionId === connectionId)
    .map((post) => v.parse(ServerFrame, JSON.parse(post.data)));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  vi.restoreAllMocks();
});

describe("endMembership", () => {
  it("posts `unsubscribed` only after every broadcast that read the user's connection before the revoke started its post", async () => {
    const roomId = uniqueId("room");
    const [removed, stays] = [await connect(roomId, "removed"), await connect(roomId, "stays")];
    // Read before the removal, posted while it runs: at once, and once the read is older than the age allowed
    // (a post queued behind others, or retried after throttling).
    const first = await pagesOf(roomId).next();
    if (first.done) throw new Error("no page");
    const page = first.value;
    const [EARLY, LATE] = ["2026-01-01T00:00:00.001Z", "2026-01-01T00:00:00.002Z"];
    const frame = (timestamp: string) => encodeFrame({ type: "pong", timestamp });

    const started = Date.now();
    const removal = endMembership(roomId, "removed", "removed", logger);
    const early = deliver(pagesFrom([page]), frame(EARLY), logger, { deadline: started + 5_000 });
    // However slow the machine: the revoke is done and the page's read older than allowed.
    while ((await Connection.inRoom(roomId)).connections.some((c) => c.connectionId === removed))
      await sleep(10);
    await sleep(Math.max(0, page.readAt + AUDIENCE_MAX_AGE_MS + 1 - Date.now()));
    const late = await deliver(pagesFrom([page]), frame(LATE), logger, { deadline: started + 5_000 });
    await Promise.all([removal, early]);

    const toRemoved = await framesTo(removed);
    const unsubscribed = toRemoved.findIndex((f) => f.type === "unsubscribed");
    expect(toRemoved[unsubscribed]).toEqual({ type: "unsubscribed", roomId, reason: "removed" });
    expect(toRemoved.slice(unsubscribed + 1)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(REMOVAL_FENCE_MS);
    expect(late).toMatchObject({ sent: 1, unsubscribed: 1, retry: 0 });
    const pongs = (await framesTo(stays)).flatMap((f) => (f.type === "pong" ? [f.timestamp] : []));
    expect(pongs).toEqual([EARLY, LATE]);
  });

  it("does not wait for a user with no connection in the room", async () => {
    const roomId = uniqueId("room");
    await connect(roomId, "stays");
    const timers = vi.spyOn(globalThis, "setTimeout");

    const revocation = await endMembership(roomId, "absent", "left", logger);

    expect(revocation.connectionIds).toEqual([]);
    expect(timers.mock.calls.filter(([, ms]) => ms === REMOVAL_FENCE_MS)).toEqual([]);
  });
});
