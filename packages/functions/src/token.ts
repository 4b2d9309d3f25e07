import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import * as v from "valibot";
import { isTrustedKeyUrl } from "./settings";

/** Clock skew allowed between the issuer and us when checking `exp` (and `nbf`/`iat`), in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** How long fetching the issuer's discovery document may take. */
const DISCOVERY_TIMEOUT_MS = 5_000;

/** The part of an OIDC discovery document a token check needs. */
const DiscoveryDocument = v.object({
  issuer: v.string(),
  jwks_uri: v.pipe(v.string(), v.check(isTrustedKeyUrl, "jwks_uri must be an https URL")),
});

/** What a verified token is sure to carry. */
export type VerifiedClaims = JWTPayload & { sub: string; exp: number };

/**
 * Verifies a bearer token as API Gateway's HTTP JWT authorizer does, for both APIs alike (the socket's `$connect`
 * authorizer and the local HTTP emulation): RS256 signature by a key the issuer's OIDC discovery document points at
 * (`<issuer>/.well-known/openid-configuration` -> `jwks_uri`, fetched once, https only outside loopback), its
 * issuer and audience, and `exp` and `sub` required, with `CLOCK_TOLERANCE_SECONDS` of skew allowed. Rejects
 * otherwise.
 */
export const createTokenVerifier = ({ issuer, audience }: { issuer: string; audience: string }) => {
  if (!isTrustedKeyUrl(issuer)) throw new Error(`The token issuer must be an https URL, got ${issuer}`);
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const discoverKeys = async (): Promise<JWTVerifyGetKey> => {
    const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    const response = await fetch(url, {
      redirect: "error",
      signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    const document = v.parse(DiscoveryDocument, await response.json());
    if (document.issuer !== issuer) throw new Error(`${url} names another issuer: ${document.issuer}`);
    return createRemoteJWKSet(new URL(document.jwks_uri));
  };

  return async (token: string): Promise<VerifiedClaims> => {
    // A failed discovery is retried by the next token rather than remembered.
    keys ??= discoverKeys().catch((error: unknown) => {
      keys = undefined;
      throw error;
    });
    const { payload } = await jwtVerify(token, await keys, {
      issuer,
      audience,
      algorithms: ["RS256"],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ["exp", "sub"],
    });
    if (typeof payload.sub !== "string" || payload.sub === "") throw new Error("token has no subject");
    return payload as VerifiedClaims;
  };
};
