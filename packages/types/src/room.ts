import * as v from "valibot";
import { RoomId, Timestamp, UserId, Username } from "./fields";

export const Room = v.object({ roomId: RoomId, createdAt: Timestamp });
export type Room = v.InferOutput<typeof Room>;

/** `GET /rooms`: every room, by id. */
export const ListRoomsResponse = v.object({ rooms: v.array(Room) });
export type ListRoomsResponse = v.InferOutput<typeof ListRoomsResponse>;

/** One user present in a room, however many of their connections are subscribed to it. */
export const Member = v.object({ userId: UserId, username: Username, connectedAt: Timestamp });
export type Member = v.InferOutput<typeof Member>;

/** `GET /rooms/{roomId}/members`: who is in the room now, one entry per user. */
export const MembersResponse = v.object({ roomId: RoomId, members: v.array(Member) });
export type MembersResponse = v.InferOutput<typeof MembersResponse>;
