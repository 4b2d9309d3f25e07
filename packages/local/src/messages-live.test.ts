import {
  ErrorResponse,
  GetMessagesResponse,
  MessageResponse,
  ReactionUsersResponse,
  type ServerFrame,
} from "@chat/types";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, type TestClient } from "../test/clients";
import { type LocalStack, startLocalStack } from "./stack";

// Messages that live, end to end on the local stack: edit, delete and reactions over real HTTP, and the frames
// they push through the table's stream to real WebSocket clients.
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-messages-live",
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

const call = (method: string, path: string, as: string, body?: unknown) =>
  fetch(`${stack.httpUrl}${path}`, {
    method,
    headers: { "x-user-id": as, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

const post = async (roomId: string, userId: string, text = "hello") => {
  const response = await call("POST", `/rooms/${roomId}/messages`, userId, {
    userId,
    username: userId,
    text,
  });
  expect(response.status).toBe(201);
  return v.parse(MessageResponse, await response.json()).message;
};

const path = (roomId: string, messageId: string, emoji?: string) =>
  `/rooms/${roomId}/messages/${messageId}${emoji === undefined ? "" : `/reactions/${encodeURIComponent(emoji)}`}`;

const edit = (roomId: string, messageId: string, as: string, text: string) =>
  call("PATCH", path(roomId, messageId), as, { text });
const remove = (roomId: string, messageId: string, as: string) => call("DELETE", path(roomId, messageId), as);
const react = (roomId: string, messageId: string, as: string, emoji = "👍") =>
  call("PUT", path(roomId, messageId, emoji), as);
const unreact = (roomId: string, messageId: string, as: string, emoji = "👍") =>
  call("DELETE", path(roomId, messageId, emoji), as);

/** The status and error code of a refused call. */
const refusal = async (response: Response) => ({
  status: response.status,
  code: v.parse(ErrorResponse, await response.json()).code,
});

const history = async (roomId: string) => {
  const response = await call("GET", `/rooms/${roomId}/messages?limit=100`, "reader");
  return v.parse(GetMessagesResponse, await response.json()).messages;
};

const listen = (roomId: string, userId = unique("listener")) =>
  connectClient(stack.wsUrl, { roomId, userId, username: userId });

const ofType =
  <T extends ServerFrame["type"]>(type: T) =>
  (frame: ServerFrame): frame is Extract<ServerFrame, { type: T }> =>
    frame.type === type;

/** Waits until a frame no later action could have been sent (the stream poller polls at least every 100 ms). */
const quiet = () => new Promise((resolve) => setTimeout(resolve, 600));

/** A public room owned by `owner`, with `mod` a moderator in it. */
const moderatedRoom = async () => {
  const roomId = unique("live");
  const owner = `owner-${roomId}`;
  const mod = `mod-${roomId}`;
  expect((await call("POST", "/rooms", owner, { roomId })).status).toBe(201);
  expect((await call("PUT", `/rooms/${roomId}/members/${mod}`, owner, { role: "moderator" })).status).toBe(
    201,
  );
  return { roomId, owner, mod };
};

describe("PATCH /rooms/{roomId}/messages/{messageId}", () => {
  it("edits the author's message, shows it in history and pushes one message.updated frame", async () => {
    const roomId = unique("edit");
    const listener = await listen(roomId);
    const message = await post(roomId, "alice", "frist");
    await listener.waitFor(1, ofType("message"));

    const response = await edit(roomId, message.id, "alice", "  first  ");
    const { message: edited } = v.parse(MessageResponse, await response.json());
    const [frame] = await listener.waitFor(1, ofType("message.updated"));
    await quiet();

    expect(response.status).toBe(200);
    expect(edited).toMatchObject({
      id: message.id,
      text: "first",
      deletedAt: null,
      createdAt: message.createdAt,
    });
    expect(edited.editedAt).not.toBeNull();
    expect(frame).toEqual({ type: "message.updated", message: edited });
    expect(listener.frames.filter((f) => f.type !== "presence").slice(1)).toEqual([frame]);
    expect(await history(roomId)).toEqual([edited]);
    await listener.close();
  });

  it("refuses another user (403), an unknown message (404), a deleted one (409) and bad text (400)", async () => {
    const roomId = unique("edit");
    const message = await post(roomId, "alice");
    const gone = await post(roomId, "alice");
    expect((await remove(roomId, gone.id, "alice")).status).toBe(200);

    expect(await refusal(await edit(roomId, message.id, "mallory", "mine now"))).toEqual({
      status: 403,
      code: "forbidden",
    });
    expect(await refusal(await edit(unique("other"), message.id, "alice", "x"))).toEqual({
      status: 404,
      code: "not_found",
    });
    expect(await refusal(await edit(roomId, gone.id, "alice", "back"))).toEqual({
      status: 409,
      code: "conflict",
    });
    expect(await refusal(await edit(roomId, message.id, "alice", "   "))).toEqual({
      status: 400,
      code: "validation_failed",
    });
    expect(await refusal(await edit(roomId, message.id, "alice", "a".repeat(501)))).toEqual({
      status: 400,
      code: "validation_failed",
    });
    expect(await refusal(await edit(roomId, "not-an-id", "alice", "x"))).toEqual({
      status: 400,
      code: "validation_failed",
    });
    expect((await history(roomId))[0]?.text).toBe("hello");
  });

  it("refuses an author who may no longer post: muted, banned", async () => {
    const { roomId, owner } = await moderatedRoom();
    const [muted, banned] = ["muted", "banned"].map((who) => `${who}-${roomId}`) as [string, string];
    const first = await post(roomId, muted);
    const second = await post(roomId, banned);
    expect((await call("PUT", `/rooms/${roomId}/mutes/${muted}`, owner, {})).status).toBe(204);
    expect((await call("PUT", `/rooms/${roomId}/bans/${banned}`, owner, {})).status).toBe(204);

    expect(await refusal(await edit(roomId, first.id, muted, "x"))).toEqual({
      status: 403,
      code: "forbidden",
    });
    expect(await refusal(await edit(roomId, second.id, banned, "x"))).toEqual({
      status: 403,
      code: "forbidden",
    });
  });
});

describe("DELETE /rooms/{roomId}/messages/{messageId}", () => {
  it("leaves a tombstone in history, answers the same one again, and pushes one message.deleted frame", async () => {
    const roomId = unique("delete");
    // Listening from the start, and waiting for the frames of the set-up, leaves only the delete's frames after.
    const listener = await listen(roomId);
    const [before, message, after] = [
      await post(roomId, "alice", "a"),
      await post(roomId, "alice", "b"),
      await post(roomId, "bob", "c"),
    ];
    expect((await react(roomId, message.id, "bob")).status).toBe(204);
    await Promise.all([listener.waitFor(3, ofType("message")), listener.waitFor(1, ofType("reaction"))]);

    const first = await remove(roomId, message.id, "alice");
    const { message: tombstone } = v.parse(MessageResponse, await first.json());
    const again = v.parse(MessageResponse, await (await remove(roomId, message.id, "alice")).json()).message;
    await listener.waitFor(1, ofType("message.deleted"));
    await quiet();

    expect(first.status).toBe(200);
    expect(tombstone).toMatchObject({ id: message.id, text: "", reactions: [], userId: "alice" });
    expect(tombstone.deletedAt).not.toBeNull();
    expect(again).toEqual(tombstone);
    expect(listener.frames.filter((f) => f.type !== "presence").slice(4)).toEqual([
      { type: "message.deleted", message: tombstone },
    ]);
    expect((await history(roomId)).map((m) => m.id)).toEqual([before.id, message.id, after.id]);
    expect((await history(roomId))[1]).toEqual(tombstone);
    await listener.close();
  });

  it("lets a moderator delete anyone's message, and refuses a member who is not the author", async () => {
    const { roomId, mod } = await moderatedRoom();
    const message = await post(roomId, "alice");

    expect(await refusal(await remove(roomId, message.id, "bob"))).toEqual({
      status: 403,
      code: "forbidden",
    });
    expect(await refusal(await remove(roomId, "01ARZ3NDEKTSV4RRFFQ69G5FAV", mod))).toEqual({
      status: 404,
      code: "not_found",
    });
    const response = await remove(roomId, message.id, mod);
    expect(response.status).toBe(200);
    expect(v.parse(MessageResponse, await response.json()).message.deletedAt).not.toBeNull();
  });
});

describe("reactions", () => {
  it("counts a reaction once however often it is put, lists who reacted, and pushes a frame per change", async () => {
    const roomId = unique("react");
    const message = await post(roomId, "alice");
    const listener = await listen(roomId);

    const statuses = [
      (await react(roomId, message.id, "bob")).status,
      (await react(roomId, message.id, "bob")).status,
      (await react(roomId, message.id, "carol", "🎉")).status,
      (await react(roomId, message.id, "carol")).status,
      (await unreact(roomId, message.id, "dave")).status,
    ];
    await listener.waitFor(3, ofType("reaction"));
    const counted = (await history(roomId))[0]?.reactions;
    const listed = v.parse(
      ReactionUsersResponse,
      await (await call("GET", `${path(roomId, message.id, "👍")}?limit=1`, "reader")).json(),
    );
    const next = v.parse(
      ReactionUsersResponse,
      await (
        await call("GET", `${path(roomId, message.id, "👍")}?limit=1&cursor=${listed.nextCursor}`, "r")
      ).json(),
    );
    await quiet();

    expect(statuses).toEqual([204, 204, 204, 204, 204]);
    expect(counted).toEqual([
      { emoji: "👍", count: 2 },
      { emoji: "🎉", count: 1 },
    ]);
    expect(listed.users).toEqual([{ userId: "bob", username: "bob", reactedAt: expect.any(String) }]);
    expect(next).toEqual({ users: [expect.objectContaining({ userId: "carol" })], nextCursor: null });
    const base = { type: "reaction", roomId, messageId: message.id, event: "added" };
    expect(listener.frames.filter(ofType("reaction"))).toEqual([
      { ...base, emoji: "👍", userId: "bob", count: 1 },
      { ...base, emoji: "🎉", userId: "carol", count: 1 },
      { ...base, emoji: "👍", userId: "carol", count: 2 },
    ]);
    await listener.close();
  });

  it("takes a reaction back once, drops a count at 0 and pushes a removed frame", async () => {
    const roomId = unique("react");
    const message = await post(roomId, "alice");
    const listener = await listen(roomId);
    // The "added" frame is awaited first: the stream delivers it after the request returns, so a
    // listener that subscribed after the reaction could still get it (and then two frames, not one).
    expect((await react(roomId, message.id, "bob", ":ship-it:")).status).toBe(204);
    await listener.waitFor(1, ofType("reaction"));

    expect((await unreact(roomId, message.id, "bob", ":ship-it:")).status).toBe(204);
    expect((await unreact(roomId, message.id, "bob", ":ship-it:")).status).toBe(204);
    await listener.waitFor(2, ofType("reaction"));
    await quiet();

    expect((await history(roomId))[0]?.reactions).toEqual([]);
    const base = { type: "reaction", roomId, messageId: message.id, emoji: ":ship-it:", userId: "bob" };
    expect(listener.frames.filter(ofType("reaction"))).toEqual([
      { ...base, event: "added", count: 1 },
      { ...base, event: "removed", count: 0 },
    ]);
    await listener.close();
  });

  it("refuses bad emoji and reactions past the limits with 400, and a deleted message with 409", async () => {
    const roomId = unique("react");
    const message = await post(roomId, "alice");
    const gone = await post(roomId, "alice");
    await remove(roomId, gone.id, "alice");
    for (let i = 0; i < 10; i++) expect((await react(roomId, message.id, "bob", `:b${i}:`)).status).toBe(204);
    for (let i = 0; i < 10; i++)
      expect((await react(roomId, message.id, "carol", `:c${i}:`)).status).toBe(204);

    const refused = {
      "with a space": await react(roomId, message.id, "dave", "a b"),
      "with a control character": await react(roomId, message.id, "dave", "a\u0007"),
      "33 code points": await react(roomId, message.id, "dave", "😀".repeat(33)),
      "an 11th of one user": await react(roomId, message.id, "bob", ":c0:"),
      "a 21st distinct": await react(roomId, message.id, "dave", ":new:"),
    };
    const codes = Object.fromEntries(
      await Promise.all(
        Object.entries(refused).map(async ([name, response]) => [name, await refusal(response)]),
      ),
    );

    for (const name of Object.keys(refused))
      expect(codes[name], name).toEqual({ status: 400, code: "validation_failed" });
    expect((await react(roomId, message.id, "dave", "😀".repeat(32))).status).toBe(400);
    expect((await react(roomId, message.id, "dave", ":b0:")).status).toBe(204);
    expect(await refusal(await react(roomId, gone.id, "bob"))).toEqual({ status: 409, code: "conflict" });
    expect(await refusal(await unreact(roomId, gone.id, "bob"))).toEqual({ status: 409, code: "conflict" });
    expect(await refusal(await react(roomId, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "bob"))).toEqual({
      status: 404,
      code: "not_found",
    });
  }, 60_000);

  it("refuses reactions from muted and banned users, and lets only readers list them", async () => {
    const { roomId, owner } = await moderatedRoom();
    const message = await post(roomId, owner);
    const [muted, banned] = ["muted", "banned"].map((who) => `${who}-${roomId}`) as [string, string];
    await post(roomId, muted);
    expect((await call("PUT", `/rooms/${roomId}/mutes/${muted}`, owner, {})).status).toBe(204);
    expect((await call("PUT", `/rooms/${roomId}/bans/${banned}`, owner, {})).status).toBe(204);

    expect(await refusal(await react(roomId, message.id, muted))).toEqual({ status: 403, code: "forbidden" });
    expect(await refusal(await react(roomId, message.id, banned))).toEqual({
      status: 403,
      code: "forbidden",
    });
    expect(await refusal(await unreact(roomId, message.id, banned))).toEqual({
      status: 403,
      code: "forbidden",
    });
    expect(await refusal(await call("GET", path(roomId, message.id, "👍"), banned))).toEqual({
      status: 403,
      code: "forbidden",
    });
  });

  it("ends at exactly 100 when 100 users react at once, and at none when they all take it back", async () => {
    const roomId = unique("crowd");
    const message = await post(roomId, "alice");
    const listener = await listen(roomId);
    const users = Array.from({ length: 100 }, (_, i) => `fan-${i}`);

    const added = await Promise.all(users.map((userId) => react(roomId, message.id, userId)));
    const counted = (await history(roomId))[0]?.reactions;
    await listener.waitFor(100, ofType("reaction"), 30_000);
    const removed = await Promise.all(users.map((userId) => unreact(roomId, message.id, userId)));
    await listener.waitFor(200, ofType("reaction"), 30_000);
    await quiet();

    expect(added.map((r) => r.status)).toEqual(users.map(() => 204));
    expect(removed.map((r) => r.status)).toEqual(users.map(() => 204));
    expect(counted).toEqual([{ emoji: "👍", count: 100 }]);
    expect((await history(roomId))[0]?.reactions).toEqual([]);
    const frames = listener.frames.filter(ofType("reaction"));
    expect(frames).toHaveLength(200);
    // Each count from 1 to 100 once on the way up, from 99 to 0 once on the way down.
    expect(frames.slice(0, 100).map((f) => f.count)).toEqual(users.map((_, i) => i + 1));
    expect(frames.slice(100).map((f) => f.count)).toEqual(users.map((_, i) => 99 - i));
    await listener.close();
  }, 120_000);
});

describe("the removal rule", () => {
  it("sends a banned user's connection no frame of the room's later edits, deletes or reactions", async () => {
    const { roomId, owner } = await moderatedRoom();
    const banned = `banned-${roomId}`;
    const message = await post(roomId, owner);
    const outcast: TestClient = await listen(roomId, banned);
    const stayer = await listen(roomId);
    expect((await call("PUT", `/rooms/${roomId}/bans/${banned}`, owner, {})).status).toBe(204);

    await edit(roomId, message.id, owner, "edited");
    await react(roomId, message.id, owner);
    await remove(roomId, message.id, owner);
    await stayer.waitFor(1, ofType("message.deleted"));
    await quiet();

    expect(
      stayer.frames.filter((f) => ["message.updated", "reaction", "message.deleted"].includes(f.type)),
    ).toHaveLength(3);
    expect(
      outcast.frames.filter((f) => ["message.updated", "reaction", "message.deleted"].includes(f.type)),
    ).toEqual([]);
    await Promise.all([outcast.close(), stayer.close()]);
  });
});
