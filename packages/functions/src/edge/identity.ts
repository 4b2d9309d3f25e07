import { AppError } from "@chat/core/error";
import { Limits, UserId, Username } from "@chat/types";
import * as v from "valibot";
import { config } from "../runtime-config";

/** Who is calling, as proven by a token: its subject, the display name it carries, whether it is a stage admin. */
export interface Identity {
  userId: string;
  /** The `name` claim, else `preferred_username`; null when the token has neither. */
  name: string | null;
  admin: boolean;
}

/**
 * The caller of a route, whichever mode the stage runs: with tokens, the token's subject and name; without, the
 * user the request names (body fields, connect query, or the `x-user-id` / `x-user-name` headers). `admin`: a
 * stage admin, who acts as owner in every room.
 */
export interface Caller {
  userId: string;
  username: string;
  admin: boolean;
}

/** What a request says about its user: body fields or query parameters, or headers for a request without a body. */
export interface GivenUser {
  userId?: string | undefined;
  username?: string | undefined;
}

/** Where `GivenUser` came from: the names `validation_failed` uses for its fields. */
export interface UserFields {
  userId: string;
  username: string;
}

const bodyFields: UserFields = { userId: "userId", username: "username" };

/** The headers naming the caller of a request without a body on a stage without tokens. */
export const callerHeaders: UserFields = { userId: "x-user-id", username: "x-user-name" };

/**
 * The caller of an HTTP route, from the claims API Gateway's JWT authorizer verified (the local stack verifies
 * tokens the same way; claims arrive as strings). Null when the stage does not require tokens.
 */
export const httpIdentity = (requestContext: object): Identity | null => {
  if (config.settings.auth.mode === "none") return null;
  const { authorizer } = requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } };
  const claims = authorizer?.jwt?.claims ?? {};
  return identityOf(
    claims.sub,
    displayName(claims.name) ?? displayName(claims.preferred_username),
    claims.chat_admin,
  );
};

/** The caller of a WebSocket route, from the context the `$connect` authorizer returned. */
export const socketIdentity = (requestContext: object): Identity | null => {
  if (config.settings.auth.mode === "none") return null;
  const { authorizer } = requestContext as { authorizer?: Record<string, unknown> };
  return identityOf(authorizer?.userId, displayName(authorizer?.name), authorizer?.admin);
};

/**
 * A token's display name: the `name` (or `preferred_username`) claim, trimmed and cut to the longest username the
 * contract allows; null when absent or unusable (then the next source is used).
 */
export const displayName = (claim: unknown): string | null => {
  if (typeof claim !== "string") return null;
  const cut = [...claim.trim()].slice(0, Limits.usernameMaxLength).join("");
  const parsed = v.safeParse(Username, cut);
  return parsed.success ? parsed.output : null;
};

/** Whether a user is a stage admin: the token's `chat_admin: true` claim, or listed in the stage's `admins`. */
export const isAdmin = (userId: string, adminClaim: unknown = false): boolean =>
  adminClaim === true || adminClaim === "true" || config.settings.admins.includes(userId);

const identityOf = (userId: unknown, name: string | null, adminClaim: unknown): Identity => {
  // Reaching a handler without one means the route lacks its authorizer: refuse rather than trust the body.
  if (typeof userId !== "string" || userId === "")
    throw new AppError("unauthorized", "A valid token is required");
  return { userId, name, admin: isAdmin(userId, adminClaim) };
};

const missing = (field: string, what: string) =>
  new AppError("validation_failed", `Invalid ${what}`, [{ path: field, message: "is required" }]);

/**
 * The caller of a request: the token's identity when there is one (a given `userId` must be its subject, else
 * `forbidden`; a given `username` counts only when the token has no name), else the user the request names, which
 * must then name both (`validation_failed` naming the missing field). `requireName`: without it, a caller with no
 * display name anywhere goes by their user id (routes that store no name).
 */
export const resolveCaller = (
  identity: Identity | null,
  given: GivenUser,
  {
    fields = bodyFields,
    what = "body",
    requireName = true,
  }: { fields?: UserFields; what?: string; requireName?: boolean } = {},
): Caller => {
  if (identity) {
    if (given.userId !== undefined && given.userId !== identity.userId) {
      throw new AppError("forbidden", `${fields.userId} must be the token's subject`);
    }
    const username = identity.name ?? given.username ?? (requireName ? undefined : identity.userId);
    if (username === undefined) throw missing(fields.username, what);
    return { userId: identity.userId, username, admin: identity.admin };
  }
  if (given.userId === undefined) throw missing(fields.userId, what);
  const username = given.username ?? (requireName ? undefined : given.userId);
  if (username === undefined) throw missing(fields.username, what);
  return { userId: given.userId, username, admin: isAdmin(given.userId) };
};

const CallerHeaders = v.object({
  [callerHeaders.userId]: v.optional(UserId),
  [callerHeaders.username]: v.optional(Username),
});

/**
 * The caller of an HTTP request without a body (GET, PUT, DELETE routes): the token with `jwt`; with `auth: none`
 * the `x-user-id` header, display name `x-user-name` (else the user id), validated like the body fields. A route
 * that needs a caller and has none answers 400 `validation_failed` naming the header.
 */
export const callerOf = (request: {
  identity: Identity | null;
  headers: Readonly<Record<string, string | undefined>>;
}): Caller => {
  // With tokens the caller is the token alone: the headers only name the caller on a stage without them.
  if (request.identity) {
    return resolveCaller(
      request.identity,
      {},
      { fields: callerHeaders, what: "headers", requireName: false },
    );
  }
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const parsed = v.safeParse(CallerHeaders, headers);
  if (!parsed.success) {
    throw new AppError(
      "validation_failed",
      "Invalid headers",
      parsed.issues.map((issue) => ({ path: v.getDotPath(issue) ?? "", message: issue.message })),
    );
  }
  return resolveCaller(
    request.identity,
    { userId: parsed.output[callerHeaders.userId], username: parsed.output[callerHeaders.username] },
    { fields: callerHeaders, what: "headers", requireName: false },
  );
};
