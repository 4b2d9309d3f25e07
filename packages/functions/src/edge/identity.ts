import { AppError } from "@chat/core/error";
import { config } from "../runtime-config";

/** Who is calling, as proven by a token. */
export interface Identity {
  userId: string;
}

/**
 * The caller of an HTTP route, from the claims API Gateway's JWT authorizer verified (the local stack verifies
 * tokens the same way). Null when the stage does not require tokens.
 */
export const httpIdentity = (requestContext: object): Identity | null => {
  if (config.settings.auth.mode === "none") return null;
  const { authorizer } = requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } };
  return identityOf(authorizer?.jwt?.claims?.sub);
};

/** The caller of a WebSocket route, from the context the `$connect` authorizer returned. */
export const socketIdentity = (requestContext: object): Identity | null => {
  if (config.settings.auth.mode === "none") return null;
  const { authorizer } = requestContext as { authorizer?: Record<string, unknown> };
  return identityOf(authorizer?.userId);
};

const identityOf = (userId: unknown): Identity => {
  // Reaching a handler without one means the route lacks its authorizer: refuse rather than trust the body.
  if (typeof userId !== "string" || userId === "")
    throw new AppError("unauthorized", "A valid token is required");
  return { userId };
};

/** Refuses a request that claims to be someone other than its token's subject. */
export const assertSameUser = (identity: Identity | null, userId: string): void => {
  if (identity && identity.userId !== userId) {
    throw new AppError("forbidden", "userId must be the token's subject");
  }
};
