import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ListRoomsResponse, Room } from "./room";

describe("Room", () => {
  it("is a room id and when the room was created", () => {
    const input = { roomId: "general", createdAt: "2026-11-25T20:02:42.123Z" };

    const result = v.safeParse(Room, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it("requires createdAt", () => {
    const result = v.safeParse(Room, { roomId: "general" });

    expect(result.success).toBe(false);
    expect(result.issues?.map((issue) => v.getDotPath(issue))).toEqual(["createdAt"]);
  });
});

describe("ListRoomsResponse", () => {
  it("lists every room", () => {
    const input = {
      rooms: [
        { roomId: "general", createdAt: "2026-11-25T20:02:42.123Z" },
        { roomId: "random", createdAt: "2026-11-25T20:05:00.000Z" },
      ],
    };

    const result = v.safeParse(ListRoomsResponse, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it("names the room that is wrong", () => {
    const input = {
      rooms: [{ roomId: "general", createdAt: "2026-11-25T20:02:42.123Z" }, { roomId: "bad room" }],
    };

    const result = v.safeParse(ListRoomsResponse, input);

    expect(result.success).toBe(false);
    expect(result.issues?.map((issue) => v.getDotPath(issue))).toEqual([
      "rooms.1.roomId",
      "rooms.1.createdAt",
    ]);
  });
});
