import * as v from "valibot";
import { Limits } from "./limits";

const codePointCount = (value: string): number => {
  let count = 0;
  for (const _ of value) count++;
  return count;
};

const codePoints = (min: number, max: number) =>
  v.check<string, string>((value) => {
    const count = codePointCount(value);
    return count >= min && count <= max;
  }, `must be ${min} to ${max} characters`);

const wellFormed = v.check<string, string>(
  (value) => value.isWellFormed(),
  "must not contain lone surrogates",
);

/** Room id from a path, query or frame: lower-cased, then checked. */
export const RoomId = v.pipe(
  v.string("must be a string"),
  // Checked before lower-casing too: Unicode case mapping turns some non-ASCII letters (K, the Kelvin sign) into ASCII.
  v.regex(/^[A-Za-z0-9_-]*$/, "must be 1 to 64 of a-z, 0-9, _ and -, starting with a letter or digit"),
  v.toLowerCase(),
  v.regex(Limits.roomIdPattern, "must be 1 to 64 of a-z, 0-9, _ and -, starting with a letter or digit"),
);
export type RoomId = v.InferOutput<typeof RoomId>;

export const UserId = v.pipe(
  v.string("must be a string"),
  v.regex(Limits.userIdPattern, "must be 1 to 128 of A-Z, a-z, 0-9, _ . : @ and -"),
);
export type UserId = v.InferOutput<typeof UserId>;

/** Free text typed by a person: trimmed, well-formed, 1 to `max` code points, no character `controls` matches. */
const humanText = (max: number, controls: RegExp, controlsMessage: string) =>
  v.pipe(
    v.string("must be a string"),
    v.trim(),
    wellFormed,
    v.check((value) => !controls.test(value), controlsMessage),
    codePoints(1, max),
  );

/** Display name: trimmed, 1–50 code points, no control characters. */
export const Username = humanText(Limits.usernameMaxLength, /\p{Cc}/u, "must not contain control characters");
export type Username = v.InferOutput<typeof Username>;

/** Message text: trimmed, 1–500 code points, no control characters but `\n` and `\t`. */
export const MessageText = humanText(
  Limits.textMaxLength,
  /[^\P{Cc}\n\t]/u,
  "must not contain control characters other than \\n and \\t",
);
export type MessageText = v.InferOutput<typeof MessageText>;

/**
 * A reaction's emoji (a path segment, URL-decoded): 1–32 code points, no whitespace or control characters, e.g.
 * "👍" or ":ship-it:". Format characters (the zero-width joiner of composed emoji) are allowed.
 */
export const Emoji = v.pipe(
  v.string("must be a string"),
  wellFormed,
  v.check(
    (value) => !/[\p{Cc}\p{White_Space}]/u.test(value),
    "must not contain whitespace or control characters",
  ),
  codePoints(1, Limits.emojiMaxLength),
);
export type Emoji = v.InferOutput<typeof Emoji>;

export const ClientMessageId = v.pipe(
  v.string("must be a string"),
  v.regex(Limits.clientMessageIdPattern, "must be 1 to 64 of A-Z, a-z, 0-9, _ and -"),
);
export type ClientMessageId = v.InferOutput<typeof ClientMessageId>;

/** A message id: a ULID, normalised to upper case so it sorts like the stored ids. */
export const MessageId = v.pipe(
  v.string("must be a string"),
  v.ulid("must be a message id"),
  v.toUpperCase(),
);
export type MessageId = v.InferOutput<typeof MessageId>;

/** ISO-8601 UTC with milliseconds and `Z`, as `Date.prototype.toISOString` writes it. */
export const Timestamp = v.pipe(
  v.string(),
  v.check((value) => {
    const date = new Date(value);
    return !Number.isNaN(date.getTime()) && date.toISOString() === value;
  }, "must be an ISO-8601 UTC timestamp with milliseconds"),
);
export type Timestamp = v.InferOutput<typeof Timestamp>;
