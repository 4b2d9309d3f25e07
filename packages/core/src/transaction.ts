import { AppError } from "./error";

/** A cancelled transaction's reasons, in the order its items were written. */
export type Cancellation = { code?: string }[];

/** Whether the item written at `index` failed its condition. */
export const failedAt = (reasons: Cancellation, index: number): boolean =>
  reasons[index]?.code === "ConditionalCheckFailed";

const MAX_ATTEMPTS = 4;

/**
 * Runs a transaction, retrying one that conflicted with another (a cancellation without a failed condition: on AWS,
 * concurrent transactions on one item conflict; DynamoDB Local runs them one at a time). Returns null when written,
 * else the reasons of a cancellation that refused a condition; `unavailable` after the attempts.
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
