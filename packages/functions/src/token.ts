import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import * as v from "valibot";
import { isTrustedKeyUrl } from "./settings";

/** Clock skew allowed between the issuer and us when checking `exp`, `nbf` and `iat`, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** How long fetching the issuer's discovery document may take. */
const DISCOVERY_TIMEOUT_MS = 5_000;

/** API Gateway's JWT authorizer checks RSA signatures only. */
const RSA_ALGORITHMS = ["RS256", "RS384", "RS512"];

/** The part of an OIDC discovery document a token check needs. */
const DiscoveryDocument = v.object({
  issuer: v.string(),
  jwks_uri: v.pipe(v.string(), v.check(isTrustedKeyUrl, "jwks_uri must be an https URL")),
});

/** What a verified token is sure to carry. */
export type VerifiedClaims = JWTPayload & { sub: string; exp: number };

/** What a token check needs to know: the one issuer and the audiences it accepts. */
export interface TokenIssuer {
  issuer: string;
  audiences: readonly string[];
}

/**
 * Whether a token is meant for one of `audiences`, as API Gateway's JWT authorizer decides: its `aud` (a string or
 * a list) names one of them; only a token without `aud` is judged by its `client_id` instead (Cognito access
 * tokens carry no `aud`, and name the app client there).
 */
export const isForAudience = (payload: JWTPayload, audiences: readonly string[]): boolean => {
  if (payload.aud !== undefined) {
    const named = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return named.some((audience) => audiences.includes(audience));
  }
  return typeof payload.client_id === "string" && audiences.includes(payload.client_id);
};

/**
 * Verifies a bearer token exactly as API Gateway's HTTP JWT authorizer does, for both APIs alike (the socket's
 * `$connect` authorizer and the local HTTP emulation): an RSA signature by the key its `kid` names among those
 * the issuer's OIDC discovery document points at (`<issuer>/.well-known/openid-configuration` -> `jwks_uri`,
 * fetched once, https only outside loopback), `iss` equal to the issuer, `aud` naming one of the audiences (or, with
 * no `aud`, `client_id` equal to one), `exp` in the future, `nbf` and `iat` in the past (with
 * `CLOCK_TOLERANCE_SECONDS` of skew). On top, `exp` and `sub` are required: a token without an expiry never ends,
 * and the chat needs to know who the caller is. Rejects otherwise, saying why.
 */
export const createTokenVerifier = ({ issuer, audiences }: TokenIssuer) => {
  if (!isTrustedKeyUrl(issuer)) throw new Error(`The token issuer must be an https URL, got ${issuer}`);
  if (audiences.length === 0) throw new Error("A token check needs at least one audience");
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
  // API Gateway picks the key by the token's `kid` and refuses a token without one (jose would try a lone key).
  const keyOf: JWTVerifyGetKey = async (header, token) => {
    if (typeof header.kid !== "string" || header.kid === "") throw new Error("token names no key (kid)");
    // A failed discovery is retried by the next token rather than remembered.
    keys ??= discoverKeys().catch((error: unknown) => {
      keys = undefined;
      throw error;
    });
    return (await keys)(header, token);
  };

  return async (token: string): Promise<VerifiedClaims> => {
    const { payload } = await jwtVerify(token, keyOf, {
      issuer,
      algorithms: RSA_ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ["exp", "sub"],
    });
    if (!isForAudience(payload, audiences)) throw new Error("token does not have a valid audience");
    const now = Math.floor(Date.now() / 1000);
    if (payload.iat !== undefined && payload.iat > now + CLOCK_TOLERANCE_SECONDS) {
      throw new Error("token was issued in the future (iat)");
    }
    if (typeof payload.sub !== "string" || payload.sub === "") throw new Error("token has no subject");
    return payload as VerifiedClaims;
  };
};
