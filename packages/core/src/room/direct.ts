import { createHash } from "node:crypto";

/**
 * The id of the direct room of two users, the same whoever asks: `dm-` and 40 hex digits of the SHA-256 of the
 * two ids, sorted (user ids are case-sensitive and may hold `.:@`, which room ids may not).
 */
export const directRoomId = (a: string, b: string): string =>
  `dm-${createHash("sha256").update([a, b].sort().join("\n")).digest("hex").slice(0, 40)}`;

const DIRECT_ID = /^dm-[0-9a-f]{40}$/;

/** Whether a room id is of the direct kind's form: reserved, so nobody can create (and read) a pair's room first. */
export const isDirectRoomId = (roomId: string): boolean => DIRECT_ID.test(roomId);
