import type { ServerFrame } from "@chat/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, isMessage, refusedHandshake, type TestClient } from "../test/clients";
import { restAs } from "../test/rest";
import { type LocalStack, startLocalStack } from "./stack";

// The socket side of "Rooms people belong to": who may listen is decided when a connection subscribes (or
// connects), and leaving, removal and bans revoke it at once, telling every connection of the user.
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-rooms-socket",
    limits: {
      sendsPerMinute: 1_000_000,
      framesPerMinute: 1_000_000,
      subscriptionsPerMinute: 1_000,
      presenceSettleMs: 0,
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

let rooms = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${rooms++}`;

const { call, post } = restAs(() => stack.httpUrl);

const listen = (roomId: string, userId: string) =>
  connectClient(stack.wsUrl, { roomId, userId, username: userId });

const answerTo = (roomId: string) => (frame: ServerFrame) =>
  (frame.type === "subscribed" || frame.type === "error") && frame.roomId === roomId;

/** A private room owned by `owner-…`, with `member-…` in it. */
const privateRoom = async () => {
  const roomId = unique("private");
  const [owner, member, outsider] = ["owner", "member", "outsider"].map((who) => `${who}-${roomId}`);
  await call("POST", "/rooms", owner ?? "", { roomId, kind: "private" });
  await call("PUT", `/rooms/${roomId}/members/${member}`, owner ?? "", {});
  return { roomId, owner: owner ?? "", member: member ?? "", outsider: outsider ?? "" };
};

describe("who may listen", () => {
  it("refuses a handshake whose room the user may not read with 403, and lets a member in", async () => {
    const { roomId, member, outsider } = await privateRoom();

    const refused = await refusedHandshake(
      stack.wsUrl,
      new URLSearchParams({ roomId, userId: outsider, username: "o" }).toString(),
    );
    const admitted = await listen(roomId, member);

    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ code: "forbidden" });
    await admitted.close();
  });

  it("answers a subscribe to a private room from an outsider with a forbidden error frame", async () => {
    const { roomId, member, outsider } = await privateRoom();
    const stranger = await listen(unique("lobby"), outsider);
    const insider = await listen(unique("lobby"), member);

    stranger.socket.send(JSON.stringify({ type: "subscribe", roomId }));
    insider.socket.send(JSON.stringify({ type: "subscribe", roomId }));
    const [refusal] = await stranger.waitFor(1, answerTo(roomId));
    const [answer] = await insider.waitFor(1, answerTo(roomId));
    await post(roomId, member, "for members only");
    await insider.waitFor(1, isMessage);

    expect(refusal).toMatchObject({ type: "error", roomId, error: { code: "forbidden" } });
    expect(answer).toEqual({ type: "subscribed", roomId });
    expect(stranger.frames.filter(isMessage)).toEqual([]);
    await Promise.all([stranger.close(), insider.close()]);
  });

  it("keeps a direct room to its two users, and a banned user out of a public room", async () => {
    const [alice, bob, carol] = ["alice", "bob", "carol"].map((name) => unique(name));
    const opened = await call("PUT", `/direct/${bob}`, alice ?? "");
    const { room } = (await opened.json()) as { room: { roomId: string } };
    const publicRoom = unique("public");
    await post(publicRoom, alice ?? "", "hello");
    await call("PUT", `/rooms/${publicRoom}/bans/${carol}`, alice ?? "", {});
    const third = await listen(unique("lobby"), carol ?? "");

    third.socket.send(JSON.stringify({ type: "subscribe", roomId: room.roomId }));
    third.socket.send(JSON.stringify({ type: "subscribe", roomId: publicRoom }));
    const [direct] = await third.waitFor(1, answerTo(room.roomId));
    const [banned] = await third.waitFor(1, answerTo(publicRoom));

    expect(direct).toMatchObject({ type: "error", error: { code: "forbidden" } });
    expect(banned).toMatchObject({ type: "error", error: { code: "forbidden" } });
    await third.close();
  });
});

describe("removal", () => {
  it("tells every connection of a removed user why, and sends them nothing of the room after", async () => {
    const { roomId, owner, member } = await privateRoom();
    const [first, second] = [await listen(roomId, member), await listen(roomId, member)];
    const watcher = await listen(roomId, owner);
    await post(roomId, owner, "before");
    await Promise.all([first, second, watcher].map((client) => client.waitFor(1, isMessage)));

    await call("DELETE", `/rooms/${roomId}/members/${member}`, owner);
    await post(roomId, owner, "after");
    await watcher.waitFor(2, isMessage);
    await new Promise((resolve) => setTimeout(resolve, 500));

    for (const client of [first, second]) {
      expect(client.frames.find((frame) => frame.type === "unsubscribed")).toEqual({
        type: "unsubscribed",
        roomId,
        reason: "removed",
      });
      expect(client.frames.filter(isMessage).map((frame) => frame.message.text)).toEqual(["before"]);
    }
    await Promise.all([first, second, watcher].map((client) => client.close()));
  });

  it("delivers none of a burst stored after a ban returned to the banned user, and all of it to the others", async () => {
    const roomId = unique("burst");
    const [owner, victim, other] = ["owner", "victim", "other"].map((who) => `${who}-${roomId}`) as [
      string,
      string,
      string,
    ];
    await post(roomId, owner, "first");
    await call("PUT", `/rooms/${roomId}/members/${victim}`, victim, {});
    const [victimSocket, otherSocket] = [await listen(roomId, victim), await listen(roomId, other)];

    const afterBan = new Set<string>();
    let banned = false;
    const sends = Array.from({ length: 200 }, (_, i) => i);
    for (let start = 0; start < sends.length; start += 10) {
      if (start === 50) {
        await call("PUT", `/rooms/${roomId}/bans/${victim}`, owner, { reason: "burst test" });
        banned = true;
      }
      await Promise.all(
        sends.slice(start, start + 10).map(async (i) => {
          const startedAfterBan = banned;
          const { message } = (await (await post(roomId, owner, `m${i}`)).json()) as {
            message: { id: string };
          };
          if (startedAfterBan) afterBan.add(message.id);
        }),
      );
    }
    await otherSocket.waitFor(200, (frame) => isMessage(frame) && frame.message.text.startsWith("m"), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const got = (client: TestClient) => client.frames.filter(isMessage).map((frame) => frame.message.id);
    expect(afterBan.size).toBe(150);
    expect(got(victimSocket).filter((id) => afterBan.has(id))).toEqual([]);
    expect(victimSocket.frames).toContainEqual({ type: "unsubscribed", roomId, reason: "banned" });
    expect(new Set(got(otherSocket)).size).toBe(200);
    await Promise.all([victimSocket.close(), otherSocket.close()]);
  });

  it("tells the room of members added, updated and removed", async () => {
    const { roomId, owner, member } = await privateRoom();
    const watcher = await listen(roomId, owner);
    const newcomer = `newcomer-${roomId}`;

    await call("PUT", `/rooms/${roomId}/members/${newcomer}`, owner, {});
    await call("PUT", `/rooms/${roomId}/mutes/${member}`, owner, {});
    await call("DELETE", `/rooms/${roomId}/members/${newcomer}`, owner);
    const notices = await watcher.waitFor(3, (frame) => frame.type === "member");

    expect(notices.map((frame) => frame.type === "member" && [frame.event, frame.member.userId])).toEqual([
      ["added", newcomer],
      ["updated", member],
      ["removed", newcomer],
    ]);
    expect(notices[1]).toMatchObject({ member: { role: "member", mutedUntil: expect.any(String) } });
    await watcher.close();
  });
});
