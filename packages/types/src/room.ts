import * as v from "valibot";
import { RoomId, Timestamp } from "./fields";

export const Room = v.object({ roomId: RoomId, createdAt: Timestamp });
export type Room = v.InferOutput<typeof Room>;

/** `GET /rooms`: every room, by id. */
export const ListRoomsResponse = v.object({ rooms: v.array(Room) });
export type ListRoomsResponse = v.InferOutput<typeof ListRoomsResponse>;
