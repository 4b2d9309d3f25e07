import { AppError } from "@chat/core/error";
import type { Caller } from "@chat/core/room";
import { toErrorIssues, UserId, Username } from "@chat/types";
import * as v from "valibot";
import type { Identity } from "./identity";

/**
 * The caller of a route whose request carries no user (no body, or a body without `userId`): with `auth: jwt` the
 * token's subject, with `auth: none` the `x-user-id` header (400 `validation_failed` without one). The display name
 * is `x-user-name`, else the user id. Stage admins are not known here yet: `admin` is false.
 *
 * One place on purpose: the identity work (token claims, `name`, `chat_admin`, the stage's admins) replaces it.
 */
export const callerOf = (request: {
  identity: Identity | null;
  headers: Readonly<Record<string, string | undefined>>;
}): Caller => {
  const userId = request.identity?.userId ?? header(request.headers, "x-user-id", UserId, true);
  const username = header(request.headers, "x-user-name", Username, false) ?? userId.slice(0, 50);
  return { userId, username, admin: false };
};

function header<S extends v.GenericSchema<string, string>>(
  headers: Readonly<Record<string, string | undefined>>,
  name: string,
  schema: S,
  required: true,
): string;
function header<S extends v.GenericSchema<string, string>>(
  headers: Readonly<Record<string, string | undefined>>,
  name: string,
  schema: S,
  required: false,
): string | undefined;
function header<S extends v.GenericSchema<string, string>>(
  headers: Readonly<Record<string, string | undefined>>,
  name: string,
  schema: S,
  required: boolean,
): string | undefined {
  const value = headers[name];
  if (value === undefined) {
    if (!required) return undefined;
    throw new AppError("validation_failed", `The ${name} header is required to name the caller`, [
      { path: name, message: "is required" },
    ]);
  }
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  throw new AppError(
    "validation_failed",
    `Invalid ${name} header`,
    toErrorIssues(result.issues).map((issue) => ({ ...issue, path: name })),
  );
}

/** Who reads a public room without naming themselves (`auth: none`, no `x-user-id`): nobody in particular. */
const anonymous: Caller = { userId: "", username: "", admin: false };

/**
 * Runs a read for the caller, or for nobody in particular when the request names no caller (`auth: none` without
 * `x-user-id`, as v1 clients read history): public rooms answer; anything an anonymous reader is refused becomes
 * 400 `validation_failed`, since naming the caller is what is missing.
 */
export const asReader = async <T>(
  request: Parameters<typeof callerOf>[0],
  read: (caller: Caller) => Promise<T>,
): Promise<T> => {
  if (request.identity || request.headers["x-user-id"] !== undefined) return read(callerOf(request));
  try {
    return await read(anonymous);
  } catch (error) {
    if (error instanceof AppError && error.code === "forbidden") callerOf(request);
    throw error;
  }
};

/** The caller of a route with a body naming the user (`userId`, `username`): the body, as the token allows. */
export const bodyCaller = (body: { userId: string; username: string }): Caller => ({
  userId: body.userId,
  username: body.username,
  admin: false,
});
