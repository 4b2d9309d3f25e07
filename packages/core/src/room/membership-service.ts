import { BanEntity } from "../ban/ban-entity";
import { entityConfig, Service } from "../entity";
import { AppError } from "../error";
import { MemberEntity } from "../member/member-entity";
import { RoomEntity } from "./room-entity";

/** Rooms, members and bans, for the transactions that change them together (owner counts, bans removing members). */
export const membership = new Service(
  { room: RoomEntity, member: MemberEntity, ban: BanEntity },
  entityConfig(),
);

/** A cancelled transaction's reasons, in the order its items were written. */
export type Cancellation = { code?: string }[];

export const failedAt = (reasons: Cancellation, index: number): boolean =>
  reasons[index]?.code === "ConditionalCheckFailed";

const MAX_ATTEMPTS = 4;

/**
 * Runs a transaction, retrying one that conflicted with another (a cancellation without a failed condition).
 * Returns null when written, else the reasons of a cancellation that refused a condition.
 */
export const transact = async (
  write: () => Promise<{ canceled: boolean; data: Cancellation }>,
): Promise<Cancellation | null> => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const { canceled, data } = await write();
    if (!canceled) return null;
    if (data.some((reason) => reason.code === "ConditionalCheckFailed")) return data;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * attempt));
  }
  throw new AppError("unavailable", "Storage is busy, please retry");
};
