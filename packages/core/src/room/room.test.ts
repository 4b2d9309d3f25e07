import { describe, expect, it } from "vitest";
import * as Message from "../message";
import * as Room from ".";

describe("Room.list", () => {
  it("always has general, and gains a room with its first message, sorted by id", async () => {
    const roomId = `a-room-${process.pid}-${Date.now()}`;
    const { message } = await Message.send({ roomId, userId: "u1", username: "alice", text: "first" });
    await Message.send({ roomId, userId: "u1", username: "alice", text: "second" });

    const rooms = await Room.list();

    expect(rooms.find((room) => room.roomId === "general")).toBeDefined();
    expect(rooms.filter((room) => room.roomId === roomId)).toEqual([
      { roomId, createdAt: message.createdAt },
    ]);
    const ids = rooms.map((room) => room.roomId);
    expect(ids).toEqual([...ids].sort());
  });

  it("keeps a room's first createdAt when it is ensured again", async () => {
    const roomId = `b-room-${process.pid}-${Date.now()}`;
    const first = await Room.ensure(roomId, "2026-01-01T00:00:00.000Z");

    const again = await Room.ensure(roomId, "2026-06-01T00:00:00.000Z");

    expect(again).toEqual(first);
  });
});
