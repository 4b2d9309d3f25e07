import * as Connection from "@chat/core/connection";
import {
  BansResponse,
  ErrorResponse,
  GetRoomResponse,
  ListRoomsResponse,
  MemberResponse,
  MembersResponse,
  MyRoomsResponse,
  PresenceResponse,
  RoomResponse,
} from "@chat/types";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { httpEvent, uniqueId } from "../../test/events";
import { httpRoutes } from "../routes";

type Result = APIGatewayProxyStructuredResultV2;
type RouteKey = keyof typeof httpRoutes;

/** Calls a route's handler with an API Gateway event: `path` fills the route's `{params}` in order. */
const call = async (
  routeKey: RouteKey,
  {
    as,
    name,
    params = [],
    body,
    query = "",
  }: {
    as?: string;
    name?: string;
    params?: string[];
    body?: unknown;
    query?: string;
  } = {},
): Promise<Result> => {
  const { handler } = (await import(`./${httpRoutes[routeKey].replace("http/", "")}.ts`)) as {
    handler: (event: unknown) => Promise<Result>;
  };
  const template = routeKey.split(" ")[1] ?? "";
  const names = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? "");
  const pathParameters = Object.fromEntries(names.map((key, i) => [key, params[i] ?? ""]));
  let path = template;
  for (const [key, value] of Object.entries(pathParameters)) path = path.replace(`{${key}}`, value);
  return handler(
    httpEvent({
      routeKey,
      path,
      ...(names.length > 0 && { pathParameters }),
      rawQueryString: query,
      ...(body !== undefined && { body: JSON.stringify(body) }),
      headers: { ...(as && { "x-user-id": as }), ...(name && { "x-user-name": name }) },
    }),
  );
};

const json = (result: Result): unknown => (result.body ? JSON.parse(result.body) : undefined);
const status = (result: Result) => result.statusCode;
const errorCode = (result: Result) => v.parse(ErrorResponse, json(result)).code;

/** A new room owned by a new user; returns both. */
const newRoom = async (kind: "public" | "private" = "public") => {
  const roomId = uniqueId("room").toLowerCase();
  const owner = uniqueId("owner");
  const created = await call("POST /rooms", { as: owner, body: { roomId, kind, name: " Team " } });
  expect(status(created)).toBe(201);
  return { roomId, owner, room: v.parse(RoomResponse, json(created)).room };
};

describe("POST /rooms", () => {
  it("creates a room with the caller as owner (201), and answers 409 conflict for a taken id", async () => {
    const { roomId, owner, room } = await newRoom("private");

    const again = await call("POST /rooms", { as: uniqueId("other"), body: { roomId } });
    const view = v.parse(
      GetRoomResponse,
      json(await call("GET /rooms/{roomId}", { as: owner, params: [roomId] })),
    );

    expect(room).toMatchObject({ roomId, kind: "private", name: "Team", createdBy: owner });
    expect([status(again), errorCode(again)]).toEqual([409, "conflict"]);
    expect(view).toEqual({ room, role: "owner", online: 0 });
  });

  it("answers 400 validation_failed without a caller, or for a direct kind", async () => {
    const anonymous = await call("POST /rooms", { body: { roomId: uniqueId("r").toLowerCase() } });
    const direct = await call("POST /rooms", { as: "u1", body: { roomId: "x", kind: "direct" } });

    expect([status(anonymous), errorCode(anonymous)]).toEqual([400, "validation_failed"]);
    expect([status(direct), errorCode(direct)]).toEqual([400, "validation_failed"]);
  });
});

describe("GET /rooms", () => {
  it("lists public rooms only, paginated, and refuses a malformed cursor", async () => {
    const { roomId: privateRoom } = await newRoom("private");
    const { roomId: publicRoom } = await newRoom("public");
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Result = await call("GET /rooms", {
        query: `limit=100${cursor ? `&cursor=${cursor}` : ""}`,
      });
      const body = v.parse(ListRoomsResponse, json(page));
      ids.push(...body.rooms.map((room) => room.roomId));
      cursor = body.nextCursor;
    } while (cursor);
    const bad = await call("GET /rooms", { query: "cursor=%25%25" });

    expect(ids).toContain(publicRoom);
    expect(ids).toContain("general");
    expect(ids).not.toContain(privateRoom);
    expect([status(bad), errorCode(bad)]).toEqual([400, "validation_failed"]);
  });
});

describe("GET /rooms/{roomId}", () => {
  it("answers 404 for an unknown room, 403 to an outsider of a private one, and 400 to an unnamed reader there", async () => {
    const { roomId } = await newRoom("private");

    const unknown = await call("GET /rooms/{roomId}", { as: "u1", params: [uniqueId("none").toLowerCase()] });
    const outsider = await call("GET /rooms/{roomId}", { as: "stranger", params: [roomId] });
    const unnamed = await call("GET /rooms/{roomId}", { params: [roomId] });

    expect([status(unknown), errorCode(unknown)]).toEqual([404, "not_found"]);
    expect([status(outsider), errorCode(outsider)]).toEqual([403, "forbidden"]);
    expect([status(unnamed), errorCode(unnamed)]).toEqual([400, "validation_failed"]);
  });
});

describe("PUT /direct/{userId}", () => {
  it("answers 201 the first time and 200 after, with the same room whoever asks; 400 with oneself", async () => {
    const [a, b] = [uniqueId("a"), uniqueId("b")];

    const first = await call("PUT /direct/{userId}", { as: a, params: [b] });
    const second = await call("PUT /direct/{userId}", { as: b, params: [a] });
    const self = await call("PUT /direct/{userId}", { as: a, params: [a] });

    expect(status(first)).toBe(201);
    expect(status(second)).toBe(200);
    expect(v.parse(RoomResponse, json(second))).toEqual(v.parse(RoomResponse, json(first)));
    expect(v.parse(RoomResponse, json(first)).room.kind).toBe("direct");
    expect([status(self), errorCode(self)]).toEqual([400, "validation_failed"]);
  });
});

describe("members, bans and mutes", () => {
  it("adds (201), changes (200) and removes (204) members; the last owner cannot leave (409)", async () => {
    const { roomId, owner } = await newRoom();
    const guest = uniqueId("guest");

    const added = await call("PUT /rooms/{roomId}/members/{userId}", {
      as: owner,
      params: [roomId, guest],
      body: {},
    });
    const promoted = await call("PUT /rooms/{roomId}/members/{userId}", {
      as: owner,
      params: [roomId, guest],
      body: { role: "moderator" },
    });
    const lastOwner = await call("DELETE /rooms/{roomId}/members/{userId}", {
      as: owner,
      params: [roomId, owner],
    });
    const left = await call("DELETE /rooms/{roomId}/members/{userId}", {
      as: guest,
      params: [roomId, guest],
    });

    expect(status(added)).toBe(201);
    expect(v.parse(MemberResponse, json(added)).member).toMatchObject({ userId: guest, role: "member" });
    expect([status(promoted), v.parse(MemberResponse, json(promoted)).member.role]).toEqual([
      200,
      "moderator",
    ]);
    expect([status(lastOwner), errorCode(lastOwner)]).toEqual([409, "conflict"]);
    expect([status(left), left.body]).toEqual([204, ""]);
  });

  it("lists members page by page, with the presence list under /presence", async () => {
    const { roomId, owner } = await newRoom();
    for (const id of ["m1", "m2"]) {
      await call("PUT /rooms/{roomId}/members/{userId}", { as: owner, params: [roomId, id], body: {} });
    }

    const first = v.parse(
      MembersResponse,
      json(await call("GET /rooms/{roomId}/members", { as: "m1", params: [roomId], query: "limit=2" })),
    );
    const second = v.parse(
      MembersResponse,
      json(
        await call("GET /rooms/{roomId}/members", {
          as: "m1",
          params: [roomId],
          query: `limit=2&cursor=${first.nextCursor}`,
        }),
      ),
    );
    const presence = v.parse(
      PresenceResponse,
      json(await call("GET /rooms/{roomId}/presence", { params: [roomId] })),
    );

    expect([...first.members, ...second.members].map((m) => m.userId)).toEqual(["m1", "m2", owner]);
    expect(second.nextCursor).toBeNull();
    expect(presence).toEqual({ roomId, count: 0, users: [] });
  });

  it("bans (204), lists bans, refuses the banned reading or rejoining (403), and unbans (204)", async () => {
    const { roomId, owner } = await newRoom();
    await call("PUT /rooms/{roomId}/members/{userId}", { as: "troll", params: [roomId, "troll"], body: {} });

    const banned = await call("PUT /rooms/{roomId}/bans/{userId}", {
      as: owner,
      params: [roomId, "troll"],
      body: { reason: "spam" },
    });
    const bans = v.parse(
      BansResponse,
      json(await call("GET /rooms/{roomId}/bans", { as: owner, params: [roomId] })),
    );
    const read = await call("GET /rooms/{roomId}/messages", { as: "troll", params: [roomId] });
    const rejoin = await call("PUT /rooms/{roomId}/members/{userId}", {
      as: "troll",
      params: [roomId, "troll"],
      body: {},
    });
    const unbanned = await call("DELETE /rooms/{roomId}/bans/{userId}", {
      as: owner,
      params: [roomId, "troll"],
    });
    const readAgain = await call("GET /rooms/{roomId}/messages", { as: "troll", params: [roomId] });

    expect(status(banned)).toBe(204);
    expect(bans.bans.map((ban) => [ban.userId, ban.reason, ban.bannedBy])).toEqual([
      ["troll", "spam", owner],
    ]);
    expect([status(read), errorCode(read)]).toEqual([403, "forbidden"]);
    expect([status(rejoin), errorCode(rejoin)]).toEqual([403, "forbidden"]);
    expect(status(unbanned)).toBe(204);
    expect(status(readAgain)).toBe(200);
  });

  it("mutes (204): the muted cannot post (403) until unmuted (204); muting a non-member is 404", async () => {
    const { roomId, owner } = await newRoom();
    await call("PUT /rooms/{roomId}/members/{userId}", { as: "quiet", params: [roomId, "quiet"], body: {} });
    const post = async () =>
      (await import("./send-message")).handler(
        httpEvent({
          routeKey: "POST /rooms/{roomId}/messages",
          path: `/rooms/${roomId}/messages`,
          pathParameters: { roomId },
          body: JSON.stringify({ userId: "quiet", username: "Quiet", text: "hi" }),
        }),
      );

    const muted = await call("PUT /rooms/{roomId}/mutes/{userId}", {
      as: owner,
      params: [roomId, "quiet"],
      body: {},
    });
    const refused = await post();
    const unmuted = await call("DELETE /rooms/{roomId}/mutes/{userId}", {
      as: owner,
      params: [roomId, "quiet"],
    });
    const accepted = await post();
    const stranger = await call("PUT /rooms/{roomId}/mutes/{userId}", {
      as: owner,
      params: [roomId, "x"],
      body: {},
    });

    expect(status(muted)).toBe(204);
    expect([status(refused), errorCode(refused)]).toEqual([403, "forbidden"]);
    expect(status(unmuted)).toBe(204);
    expect(status(accepted)).toBe(201);
    expect([status(stranger), errorCode(stranger)]).toEqual([404, "not_found"]);
  });
});

describe("removal ends subscriptions", () => {
  it("unsubscribes a removed or banned user's connections from the room before answering", async () => {
    const { roomId, owner } = await newRoom();
    const subscribed = async (userId: string) => {
      await call("PUT /rooms/{roomId}/members/{userId}", { as: userId, params: [roomId, userId], body: {} });
      const result = await Connection.connect({
        connectionId: uniqueId(`c-${userId}`),
        roomId,
        userId,
        username: userId,
        maxConnections: 10,
      });
      if (!result.connected) throw new Error("not connected");
      return result.session.connectionId;
    };
    const [removed, banned, stays] = [
      await subscribed("removed"),
      await subscribed("banned"),
      await subscribed("stays"),
    ];

    await call("DELETE /rooms/{roomId}/members/{userId}", { as: owner, params: [roomId, "removed"] });
    await call("PUT /rooms/{roomId}/bans/{userId}", { as: owner, params: [roomId, "banned"], body: {} });

    const listening = (await Connection.inRoom(roomId)).connections.map((c) => c.connectionId);
    expect(listening).toContain(stays);
    expect(listening).not.toContain(removed);
    expect(listening).not.toContain(banned);
  });
});

describe("GET /me/rooms", () => {
  it("lists the caller's rooms with their role and newest message", async () => {
    const { roomId, owner } = await newRoom("private");

    const body = v.parse(MyRoomsResponse, json(await call("GET /me/rooms", { as: owner })));
    const none = await call("GET /me/rooms");

    expect(body).toEqual({
      rooms: [
        {
          room: expect.objectContaining({ roomId }),
          role: "owner",
          lastMessage: null,
          lastReadId: null,
          unreadCount: 0,
        },
      ],
      nextCursor: null,
    });
    expect([status(none), errorCode(none)]).toEqual([400, "validation_failed"]);
  });
});

describe("PATCH /rooms/{roomId} and slow mode", () => {
  const send = (roomId: string, userId: string, clientMessageId?: string) =>
    call("POST /rooms/{roomId}/messages", {
      params: [roomId],
      body: { userId, username: userId, text: "hi", ...(clientMessageId && { clientMessageId }) },
    });

  it("lets owners and moderators rename a room and set its slow mode (200 { room }), nobody else", async () => {
    const { roomId, owner } = await newRoom();
    const [mod, member] = [uniqueId("mod"), uniqueId("member")];
    await call("PUT /rooms/{roomId}/members/{userId}", {
      as: owner,
      params: [roomId, mod],
      body: { role: "moderator" },
    });
    await call("PUT /rooms/{roomId}/members/{userId}", { as: owner, params: [roomId, member], body: {} });

    const byOwner = await call("PATCH /rooms/{roomId}", {
      as: owner,
      params: [roomId],
      body: { slowModeSeconds: 30 },
    });
    const byMod = await call("PATCH /rooms/{roomId}", {
      as: mod,
      params: [roomId],
      body: { name: " Hall " },
    });
    const byMember = await call("PATCH /rooms/{roomId}", {
      as: member,
      params: [roomId],
      body: { name: "Mine" },
    });
    const view = v.parse(
      GetRoomResponse,
      json(await call("GET /rooms/{roomId}", { as: member, params: [roomId] })),
    );

    expect(status(byOwner)).toBe(200);
    expect(v.parse(RoomResponse, json(byOwner)).room).toMatchObject({
      roomId,
      name: "Team",
      slowModeSeconds: 30,
    });
    expect(v.parse(RoomResponse, json(byMod)).room).toMatchObject({ name: "Hall", slowModeSeconds: 30 });
    expect([status(byMember), errorCode(byMember)]).toEqual([403, "forbidden"]);
    expect(view.room).toMatchObject({ name: "Hall", slowModeSeconds: 30 });
  });

  it("answers 400 for an empty body, a bad interval or an unknown field, 404 for no such room", async () => {
    const { roomId, owner } = await newRoom();
    const patch = (body: unknown, room = roomId) =>
      call("PATCH /rooms/{roomId}", { as: owner, params: [room], body });

    for (const body of [
      {},
      { slowModeSeconds: -1 },
      { slowModeSeconds: 3601 },
      { slowModeSeconds: 2.5 },
      { kind: "private" },
    ]) {
      const result = await patch(body);
      expect([status(result), errorCode(result)], JSON.stringify(body)).toEqual([400, "validation_failed"]);
    }
    const missing = await patch({ slowModeSeconds: 5 }, uniqueId("none").toLowerCase());
    expect([status(missing), errorCode(missing)]).toEqual([404, "not_found"]);
  });

  it("lets a member post once per interval (429 rate_limited with retry-after), and moderators freely", async () => {
    const { roomId, owner } = await newRoom();
    await call("PATCH /rooms/{roomId}", { as: owner, params: [roomId], body: { slowModeSeconds: 120 } });
    const poster = uniqueId("poster");

    const first = await send(roomId, poster, "first");
    const second = await send(roomId, poster);
    const replay = await send(roomId, poster, "first");
    const ownerPosts = [await send(roomId, owner), await send(roomId, owner)];
    const other = await send(roomId, uniqueId("other"));

    expect(status(first)).toBe(201);
    expect([status(second), errorCode(second)]).toEqual([429, "rate_limited"]);
    const retryAfter = Number(second.headers?.["retry-after"]);
    expect(retryAfter).toBeGreaterThan(100);
    expect(retryAfter).toBeLessThanOrEqual(120);
    // The accepted send's repeat is answered with its message, not refused.
    expect(status(replay)).toBe(200);
    expect(json(replay)).toEqual(json(first));
    expect(ownerPosts.map(status)).toEqual([201, 201]);
    expect(status(other)).toBe(201);
  });

  it("accepts one of two posts made at the same instant, and lets posts through again once it is off", async () => {
    const { roomId, owner } = await newRoom();
    await call("PATCH /rooms/{roomId}", { as: owner, params: [roomId], body: { slowModeSeconds: 60 } });
    const poster = uniqueId("poster");

    const results = await Promise.all(Array.from({ length: 4 }, () => send(roomId, poster)));
    await call("PATCH /rooms/{roomId}", { as: owner, params: [roomId], body: { slowModeSeconds: 0 } });
    const afterOff = await send(roomId, poster);

    expect(results.map(status).sort()).toEqual([201, 429, 429, 429]);
    expect(status(afterOff)).toBe(201);
  });
});
