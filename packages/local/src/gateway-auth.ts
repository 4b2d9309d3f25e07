import type { AuthSettings } from "@chat/functions/settings";
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";

/**
 * What API Gateway's JWT authorizer does before an HTTP route runs: take the bearer token from `Authorization`,
 * check its RS256 signature against the issuer's JWKS, its issuer, audience and expiry, and pass the claims on.
 */
export const createJwtAuthorizer = (auth: Extract<AuthSettings, { mode: "jwt" }>) => {
  const keys = createRemoteJWKSet(new URL(auth.jwksUrl));
  return async (authorization: string | undefined): Promise<JWTPayload | null> => {
    const token = authorization?.replace(/^Bearer\s+/i, "");
    if (!token) return null;
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: auth.issuer,
        audience: auth.audience,
        algorithms: ["RS256"],
      });
      return payload;
    } catch {
      return null;
    }
  };
};
