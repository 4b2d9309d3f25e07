import type { AuthSettings } from "@chat/functions/settings";
import { createTokenVerifier } from "@chat/functions/token";
import type { JWTPayload } from "jose";

/**
 * What API Gateway's JWT authorizer does before an HTTP route runs: take the bearer token from `Authorization`,
 * check it with the very code the socket's `$connect` authorizer runs (`createTokenVerifier`: signature by the keys
 * of the issuer's discovery document, issuer, `aud` or else `client_id`, `exp`, `nbf`, `iat`, required `sub`), and
 * pass the claims on.
 */
export const createJwtAuthorizer = (auth: Extract<AuthSettings, { mode: "jwt" }>) => {
  const verify = createTokenVerifier(auth);
  return async (authorization: string | undefined): Promise<JWTPayload | null> => {
    const token = authorization?.replace(/^Bearer\s+/i, "");
    if (!token) return null;
    try {
      return await verify(token);
    } catch {
      return null;
    }
  };
};
