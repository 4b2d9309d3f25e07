import * as v from "valibot";
import { RoomId, Timestamp, UserId, Username } from "./fields";
import { Limits } from "./limits";
import { ChatMessage } from "./message";
import { ReadState } from "./read";

const codePoints = (value: string): number => [...value].length;

/** Who may read and post: anyone (`public`), the members (`private`), or the two users of a direct room. */
export const RoomKind = v.picklist(["public", "private", "direct"], "must be public, private or direct");
export type RoomKind = v.InferOutput<typeof RoomKind>;

/** A room's display name: trimmed, 1–80 code points, no control characters. */
export const RoomName = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.check((value) => value.isWellFormed(), "must not contain lone surrogates"),
  v.check((value) => !/\p{Cc}/u.test(value), "must not contain control characters"),
  v.check(
    (value) => codePoints(value) >= 1 && codePoints(value) <= Limits.roomNameMaxLength,
    `must be 1 to ${Limits.roomNameMaxLength} characters`,
  ),
);
export type RoomName = v.InferOutput<typeof RoomName>;

/** A member's role: owners manage roles, moderators (and owners) remove, ban and mute. */
export const Role = v.picklist(["owner", "moderator", "member"], "must be owner, moderator or member");
export type Role = v.InferOutput<typeof Role>;

/** A room's slow mode: an integer number of seconds from 0 (off) to 3600. */
export const SlowModeSeconds = v.pipe(
  v.number("must be a number"),
  v.integer("must be an integer"),
  v.minValue(0, `must be from 0 to ${Limits.slowModeMaxSeconds}`),
  v.maxValue(Limits.slowModeMaxSeconds, `must be from 0 to ${Limits.slowModeMaxSeconds}`),
);
export type SlowModeSeconds = v.InferOutput<typeof SlowModeSeconds>;

/**
 * A room. `createdBy` is null for `general`, which nobody owns. `slowModeSeconds`: users below moderator may post
 * there once per this many seconds; 0 is off.
 */
export const Room = v.object({
  roomId: RoomId,
  kind: RoomKind,
  name: v.nullable(RoomName),
  createdAt: Timestamp,
  createdBy: v.nullable(UserId),
  slowModeSeconds: SlowModeSeconds,
});
export type Room = v.InferOutput<typeof Room>;

// A query parameter given twice reaches the schema as an array, hence this message.
const once = "must be given once";

/** `?limit=` of a paginated list: an integer 1–100, default 50. */
export const PageLimit = v.pipe(
  v.string(once),
  v.regex(/^\d{1,3}$/, `must be an integer from 1 to ${Limits.pageMaxLimit}`),
  v.transform(Number),
  v.minValue(1, `must be an integer from 1 to ${Limits.pageMaxLimit}`),
  v.maxValue(Limits.pageMaxLimit, `must be an integer from 1 to ${Limits.pageMaxLimit}`),
);

/** `?cursor=`: the opaque `nextCursor` of the previous page (base64url). */
export const PageCursor = v.pipe(
  v.string(once),
  v.regex(/^[A-Za-z0-9_-]{1,1024}$/, "must be the nextCursor of the previous page"),
);

/** Query of every paginated list: `limit` (default 50) and `cursor`. Unknown parameters are ignored. */
export const PageQuery = v.object({
  limit: v.optional(PageLimit, String(Limits.pageDefaultLimit)),
  cursor: v.optional(PageCursor),
});
export type PageQuery = v.InferOutput<typeof PageQuery>;

/** The cursor of the next page, null after the last one. */
const NextCursor = v.nullable(v.string());

/** `GET /rooms`: a page of the public rooms, by id. */
export const ListRoomsResponse = v.object({ rooms: v.array(Room), nextCursor: NextCursor });
export type ListRoomsResponse = v.InferOutput<typeof ListRoomsResponse>;

/** Body of `POST /rooms`. Unknown keys are rejected. */
export const CreateRoomRequest = v.strictObject({
  roomId: RoomId,
  kind: v.optional(v.picklist(["public", "private"], "must be public or private")),
  name: v.optional(RoomName),
});
export type CreateRoomRequest = v.InferOutput<typeof CreateRoomRequest>;

/** Body of `PATCH /rooms/{roomId}`: the settings to change, at least one. Unknown keys are rejected. */
export const UpdateRoomRequest = v.pipe(
  v.strictObject({ name: v.optional(RoomName), slowModeSeconds: v.optional(SlowModeSeconds) }),
  v.check(
    (body) => body.name !== undefined || body.slowModeSeconds !== undefined,
    "must change name or slowModeSeconds",
  ),
);
export type UpdateRoomRequest = v.InferOutput<typeof UpdateRoomRequest>;

/** `POST /rooms` (201), `PATCH /rooms/{roomId}` (200) and `PUT /direct/{userId}` (201 created, 200 existing). */
export const RoomResponse = v.object({ room: Room });
export type RoomResponse = v.InferOutput<typeof RoomResponse>;

/** `GET /rooms/{roomId}`: the room, the caller's role in it, and how many users are connected to it now. */
export const GetRoomResponse = v.object({
  room: Room,
  role: v.nullable(Role),
  online: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type GetRoomResponse = v.InferOutput<typeof GetRoomResponse>;

/** A member of a room. `mutedUntil` is null unless a mute is in force; `online`: connected to the room now. */
export const Member = v.object({
  userId: UserId,
  username: Username,
  role: Role,
  joinedAt: Timestamp,
  mutedUntil: v.nullable(Timestamp),
  online: v.boolean(),
});
export type Member = v.InferOutput<typeof Member>;

/** `GET /rooms/{roomId}/members`: a page of the room's members, by user id. */
export const MembersResponse = v.object({
  roomId: RoomId,
  members: v.array(Member),
  nextCursor: NextCursor,
});
export type MembersResponse = v.InferOutput<typeof MembersResponse>;

/** `PUT /rooms/{roomId}/members/{userId}` (201 added, 200 changed). */
export const MemberResponse = v.object({ member: Member });
export type MemberResponse = v.InferOutput<typeof MemberResponse>;

/** Body of `PUT /rooms/{roomId}/members/{userId}`: the role (default `member`; only owners give another). */
export const PutMemberRequest = v.strictObject({ role: v.optional(Role) });
export type PutMemberRequest = v.InferOutput<typeof PutMemberRequest>;

/** One user present in a room, however many of their connections are subscribed to it. */
export const PresentUser = v.object({ userId: UserId, username: Username, connectedAt: Timestamp });
export type PresentUser = v.InferOutput<typeof PresentUser>;

/** `GET /rooms/{roomId}/presence`: who is connected now, one entry per user (at most 100), and how many exactly. */
export const PresenceResponse = v.object({
  roomId: RoomId,
  count: v.pipe(v.number(), v.integer(), v.minValue(0)),
  users: v.array(PresentUser),
});
export type PresenceResponse = v.InferOutput<typeof PresenceResponse>;

/** One entry of `GET /me/rooms`: a room of the caller, their role, and its newest message. */
export const MyRoom = v.object({
  room: Room,
  role: Role,
  lastMessage: v.nullable(ChatMessage),
  ...ReadState.entries,
});
export type MyRoom = v.InferOutput<typeof MyRoom>;

/** `GET /me/rooms`: the caller's rooms, latest activity first. */
export const MyRoomsResponse = v.object({ rooms: v.array(MyRoom), nextCursor: NextCursor });
export type MyRoomsResponse = v.InferOutput<typeof MyRoomsResponse>;

/** A free-text reason for a ban: trimmed, 1–200 code points, no control characters. */
export const BanReason = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.check((value) => value.isWellFormed(), "must not contain lone surrogates"),
  v.check((value) => !/\p{Cc}/u.test(value), "must not contain control characters"),
  v.check(
    (value) => codePoints(value) >= 1 && codePoints(value) <= Limits.banReasonMaxLength,
    `must be 1 to ${Limits.banReasonMaxLength} characters`,
  ),
);

/** Body of `PUT /rooms/{roomId}/bans/{userId}`: why, and until when (absent: until unbanned). */
export const BanRequest = v.strictObject({ reason: v.optional(BanReason), until: v.optional(Timestamp) });
export type BanRequest = v.InferOutput<typeof BanRequest>;

/** A ban in force. `until` null: until unbanned. */
export const Ban = v.object({
  userId: UserId,
  reason: v.nullable(v.string()),
  until: v.nullable(Timestamp),
  bannedBy: UserId,
  bannedAt: Timestamp,
});
export type Ban = v.InferOutput<typeof Ban>;

/** `GET /rooms/{roomId}/bans`: a page of the bans in force, by user id. */
export const BansResponse = v.object({ roomId: RoomId, bans: v.array(Ban), nextCursor: NextCursor });
export type BansResponse = v.InferOutput<typeof BansResponse>;

/** Body of `PUT /rooms/{roomId}/mutes/{userId}`: until when (absent: until unmuted). */
export const MuteRequest = v.strictObject({ until: v.optional(Timestamp) });
export type MuteRequest = v.InferOutput<typeof MuteRequest>;

/** Path parameters of the `/rooms/{roomId}/{members|bans|mutes}/{userId}` routes. */
export const RoomUserPath = v.object({ roomId: RoomId, userId: UserId });
export type RoomUserPath = v.InferOutput<typeof RoomUserPath>;

/** Path parameters of `PUT /direct/{userId}`: the other user. */
export const UserPath = v.object({ userId: UserId });
export type UserPath = v.InferOutput<typeof UserPath>;
