import { AppError } from "./error";

/** A page of a list and the cursor of the next one (null after the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageOptions {
  limit: number;
  cursor?: string | undefined;
}

/** An opaque cursor: the position of the last item returned, as base64url JSON. */
export const encodeCursor = (position: readonly string[]): string =>
  Buffer.from(JSON.stringify(position)).toString("base64url");

/**
 * The position a cursor holds, `size` strings long; a cursor that is not one of ours (malformed, or edited) is
 * 400 `validation_failed`, never a storage error.
 */
export const decodeCursor = (cursor: string, size: number): string[] => {
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    position = undefined;
  }
  const valid =
    Array.isArray(position) &&
    position.length === size &&
    position.every((part) => typeof part === "string" && part.length > 0 && part.length <= 200);
  if (!valid) {
    throw new AppError("validation_failed", "cursor is not valid", [
      { path: "cursor", message: "must be the nextCursor of the previous page" },
    ]);
  }
  return position as string[];
};

// Ids are ASCII: every id greater than `after` sorts at or after `after + "\0"`, and before this bound.
const LAST = "\u{10FFFF}";

/**
 * The sort-key range strictly after a position (for ElectroDB's `between`): unlike `gt`, it stays inside the
 * entity's own rows of a partition that other entities share.
 */
export const after = (id: string | undefined): [string, string] => [id === undefined ? "" : `${id}\0`, LAST];

/** Cuts a read of `limit + 1` items into a page and the cursor of the next one. */
export const pageOf = <T>(items: T[], limit: number, position: (item: T) => string[]): Page<T> => {
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return { items: page, nextCursor: items.length > limit && last ? encodeCursor(position(last)) : null };
};
