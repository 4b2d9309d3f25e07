import * as v from "valibot";
import { describe, expect, it } from "vitest";
import {
  BanRequest,
  CreateRoomRequest,
  ListRoomsResponse,
  Member,
  MyRoomsResponse,
  PageQuery,
  PresenceResponse,
  PutMemberRequest,
  Room,
  RoomName,
  UpdateRoomRequest,
} from "./room";

const room = {
  roomId: "general",
  kind: "public",
  name: null,
  createdAt: "2026-11-25T20:02:42.123Z",
  createdBy: null,
  slowModeSeconds: 0,
};

const paths = (result: { issues?: readonly v.BaseIssue<unknown>[] | undefined }) =>
  result.issues?.map((issue) => v.getDotPath(issue));

describe("Room", () => {
  it("is an id, a kind, a name, when and by whom it was created", () => {
    const result = v.safeParse(Room, room);

    expect(result).toMatchObject({ success: true, output: room });
  });

  it("requires every field and a known kind", () => {
    const result = v.safeParse(Room, { roomId: "general", kind: "secret" });

    expect(result.success).toBe(false);
    expect(paths(result)).toEqual(["kind", "name", "createdAt", "createdBy", "slowModeSeconds"]);
  });
});

describe("RoomName", () => {
  it("is trimmed and 1 to 80 characters, counted in code points", () => {
    expect(v.parse(RoomName, "  Team 🚀  ")).toBe("Team 🚀");
    expect(v.safeParse(RoomName, "   ").success).toBe(false);
    expect(v.safeParse(RoomName, "🚀".repeat(80)).success).toBe(true);
    expect(v.safeParse(RoomName, "🚀".repeat(81)).success).toBe(false);
    expect(v.safeParse(RoomName, "a\u0007b").success).toBe(false);
  });
});

describe("CreateRoomRequest", () => {
  it("takes an id, and optionally a public or private kind and a name; not direct, nothing else", () => {
    expect(v.parse(CreateRoomRequest, { roomId: "Team-A" })).toEqual({ roomId: "team-a" });
    expect(paths(v.safeParse(CreateRoomRequest, { roomId: "a", kind: "direct" }))).toEqual(["kind"]);
    expect(paths(v.safeParse(CreateRoomRequest, { roomId: "a", owner: "me" }))).toEqual(["owner"]);
  });
});

describe("UpdateRoomRequest", () => {
  it("takes a name and a slow mode of 0 to 3600 whole seconds, at least one of them, nothing else", () => {
    expect(v.parse(UpdateRoomRequest, { slowModeSeconds: 30 })).toEqual({ slowModeSeconds: 30 });
    expect(v.parse(UpdateRoomRequest, { name: " Hall ", slowModeSeconds: 0 })).toEqual({
      name: "Hall",
      slowModeSeconds: 0,
    });
    expect(v.safeParse(UpdateRoomRequest, { slowModeSeconds: 3600 }).success).toBe(true);
    for (const bad of [-1, 3601, 1.5, "10", null]) {
      expect(paths(v.safeParse(UpdateRoomRequest, { slowModeSeconds: bad }))).toEqual(["slowModeSeconds"]);
    }
    expect(v.safeParse(UpdateRoomRequest, {}).success).toBe(false);
    expect(paths(v.safeParse(UpdateRoomRequest, { name: "x", kind: "private" }))).toEqual(["kind"]);
  });
});

describe("PageQuery", () => {
  it("defaults the limit to 50 and takes an opaque cursor", () => {
    expect(v.parse(PageQuery, {})).toEqual({ limit: 50 });
    expect(v.parse(PageQuery, { limit: "100", cursor: "WyJhIl0" })).toEqual({
      limit: 100,
      cursor: "WyJhIl0",
    });
  });

  it("refuses a limit outside 1 to 100, a repeated parameter and a malformed cursor", () => {
    for (const query of [
      { limit: "0" },
      { limit: "101" },
      { limit: ["1", "2"] },
      { cursor: "a b" },
      { cursor: "" },
    ]) {
      expect(v.safeParse(PageQuery, query).success).toBe(false);
    }
  });
});

describe("ListRoomsResponse", () => {
  it("is a page of rooms and the next cursor", () => {
    const input = { rooms: [room], nextCursor: null };

    expect(v.safeParse(ListRoomsResponse, input)).toMatchObject({ success: true, output: input });
    expect(paths(v.safeParse(ListRoomsResponse, { rooms: [{ ...room, roomId: "bad room" }] }))).toEqual([
      "rooms.0.roomId",
      "nextCursor",
    ]);
  });
});

describe("Member", () => {
  it("is a user with a role, when they joined, a mute and whether they are online", () => {
    const input = {
      userId: "u1",
      username: "alice",
      role: "moderator",
      joinedAt: "2026-11-25T20:02:42.123Z",
      mutedUntil: null,
      online: true,
    };

    expect(v.safeParse(Member, input)).toMatchObject({ success: true, output: input });
    expect(paths(v.safeParse(Member, { ...input, role: "admin" }))).toEqual(["role"]);
  });
});

describe("PresenceResponse", () => {
  it("is who is connected and how many", () => {
    const input = {
      roomId: "general",
      count: 1,
      users: [{ userId: "u1", username: "alice", connectedAt: "2026-11-25T20:02:42.123Z" }],
    };

    expect(v.safeParse(PresenceResponse, input)).toMatchObject({ success: true, output: input });
  });
});

describe("MyRoomsResponse", () => {
  it("is the caller's rooms with their role, the newest message (or null) and the read state", () => {
    const entry = { room, role: "member", lastMessage: null, lastReadId: null, unreadCount: 0 };
    const input = { rooms: [entry], nextCursor: "WyJhIl0" };

    expect(v.safeParse(MyRoomsResponse, input)).toMatchObject({ success: true, output: input });
  });

  it("caps unreadCount at 100 (100 or more)", () => {
    const entry = { room, role: "member", lastMessage: null, lastReadId: null, unreadCount: 101 };

    expect(v.safeParse(MyRoomsResponse, { rooms: [entry], nextCursor: null }).success).toBe(false);
  });
});

describe("PutMemberRequest and BanRequest", () => {
  it("take an optional role, and an optional reason and end", () => {
    expect(v.parse(PutMemberRequest, {})).toEqual({});
    expect(paths(v.safeParse(PutMemberRequest, { role: "admin" }))).toEqual(["role"]);
    expect(v.parse(BanRequest, { reason: " spam ", until: "2030-01-01T00:00:00.000Z" })).toEqual({
      reason: "spam",
      until: "2030-01-01T00:00:00.000Z",
    });
    expect(paths(v.safeParse(BanRequest, { until: "tomorrow" }))).toEqual(["until"]);
  });
});
