import { Emoji, MessageId, RoomId, UserId } from "@chat/types";
import type { PageQuery } from "./client-options";
import type { HistoryQuery } from "./rest-api";
import { parseOrThrow } from "./validate";

/**
 * The paths and queries of the REST calls. Ids are checked first, so a bad one throws a 400 `ChatApiError`
 * unsent; the calls of `RestApi` (send, history, members) only encode theirs, as they always have.
 */

/** `?name=value&…` of the parameters that are set, or "" when none is. */
const search = (parameters: Record<string, string | number | null | undefined>): string => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null) params.set(name, String(value));
  }
  return params.size > 0 ? `?${params}` : "";
};

/** The search of a page of a growing list, `?limit=…&cursor=…`, or "" when neither is set. */
export const pageSearch = ({ limit, cursor }: PageQuery = {}): string => search({ limit, cursor });

/** The search of a page of messages or replies (`history`, `replies`), or "" when nothing is set. */
export const historySearch = ({ limit, before, after }: HistoryQuery): string =>
  search({ limit, before, after });

/** A room's path, its id only encoded (the API answers a bad one). */
export const encodedRoomPath = (roomId: string): string => `/rooms/${encodeURIComponent(roomId)}`;

export const roomPath = (roomId: string): string =>
  encodedRoomPath(parseOrThrow(RoomId, roomId, "Invalid roomId", "roomId"));

/** A message id as a path segment (its alphabet needs no encoding). */
export const messageSegment = (messageId: string): string =>
  parseOrThrow(MessageId, messageId, "Invalid messageId", "messageId");

export const userSegment = (userId: string): string =>
  encodeURIComponent(parseOrThrow(UserId, userId, "Invalid userId", "userId"));

/** A user's entry in one of a room's lists: its members, bans or mutes. */
export const userPath = (roomId: string, list: "members" | "bans" | "mutes", userId: string): string =>
  `${roomPath(roomId)}/${list}/${userSegment(userId)}`;

export const messagePath = (roomId: string, messageId: string): string =>
  `${roomPath(roomId)}/messages/${encodeURIComponent(messageSegment(messageId))}`;

export const reactionPath = (roomId: string, messageId: string, emoji: string): string =>
  `${messagePath(roomId, messageId)}/reactions/${encodeURIComponent(parseOrThrow(Emoji, emoji, "Invalid emoji", "emoji"))}`;

/** A subscription's id: from its endpoint (SHA-256, base64url, 43 characters), so one browser has one id. */
export const pushSubscriptionId = async (endpoint: string): Promise<string> => {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(endpoint));
  let binary = "";
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
