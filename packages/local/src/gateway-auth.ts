import type { AuthSettings } from "@chat/functions/settings";
import { createTokenVerifier } from "@chat/functions/token";
import type { JWTPayload } from "jose";

/**
 * What API Gateway's JWT authorizer does before an HTTP route runs: take the bearer token from `Authorization`,
 * check it (signature by the keys of the issuer's discovery document, issuer, audience, required `exp` and `sub`)
 * the same way the socket's `$connect` authorizer does, and pass the claims on.
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
