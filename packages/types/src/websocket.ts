import * as v from "valibot";
import { ErrorResponse } from "./error";
import { RoomId, Timestamp, UserId, Username } from "./fields";
import { DEFAULT_ROOM_ID } from "./limits";
import { ChatMessage } from "./message";

/** Query of the WebSocket handshake: `?roomId=general&userId=u1&username=alice`. Unknown parameters are ignored. */
export const ConnectQuery = v.object({
  roomId: v.optional(RoomId, DEFAULT_ROOM_ID),
  userId: UserId,
  username: Username,
});
export type ConnectQuery = v.InferOutput<typeof ConnectQuery>;

/** client -> server: keeps the connection alive and measures round trips. */
export const PingFrame = v.strictObject({ type: v.literal("ping") });
export type PingFrame = v.InferOutput<typeof PingFrame>;

/** Every frame a client may send. */
export const ClientFrame = v.variant("type", [PingFrame]);
export type ClientFrame = v.InferOutput<typeof ClientFrame>;

/** server -> client: a new message in the connection's room. */
export const MessageFrame = v.object({ type: v.literal("message"), message: ChatMessage });
export type MessageFrame = v.InferOutput<typeof MessageFrame>;

export const PongFrame = v.object({ type: v.literal("pong"), timestamp: Timestamp });
export type PongFrame = v.InferOutput<typeof PongFrame>;

/** server -> client: a frame was rejected; the connection stays open. */
export const ErrorFrame = v.object({ type: v.literal("error"), error: ErrorResponse });
export type ErrorFrame = v.InferOutput<typeof ErrorFrame>;

/** Every frame the server may send. */
export const ServerFrame = v.variant("type", [MessageFrame, PongFrame, ErrorFrame]);
export type ServerFrame = v.InferOutput<typeof ServerFrame>;
