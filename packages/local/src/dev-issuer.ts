import type { IncomingMessage, ServerResponse } from "node:http";
import { toErrorIssues, UserId, Username } from "@chat/types";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import * as v from "valibot";
import { sendError, sendJson } from "./gateway-response";
import { requestUrl } from "./request-url";

export interface DevIssuer {
  issuer: string;
  audience: string;
  /** Where the issuer publishes its keys: what its discovery document names. */
  jwksUrl: string;
  /** Signs a token for a user, as a real identity provider would after a login. */
  mint(userId: string, options?: MintOptions): Promise<string>;
  /**
   * Serves `GET /.well-known/openid-configuration`, `GET /.well-known/jwks.json` and `POST /dev/token`; false for
   * any other request.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

export interface MintOptions {
  /** A duration ("1h") or an epoch-seconds expiry. */
  expiresIn?: string | number;
  /**
   * The `aud` claim: another audience than the stack's (to see it refused), a list (as Auth0 sends), or `null` for
   * none (a Cognito access token, which names its app client in `client_id` instead).
   */
  audience?: string | readonly string[] | null;
  /** More claims, as a provider would add them (`client_id`, `token_use`, `scope`, `nbf`, `iat`...). */
  claims?: Record<string, unknown>;
  /** Another issuer than this one, to see it refused. */
  issuer?: string;
  /** The `name` claim. */
  name?: string;
  /** The `chat_admin` claim. */
  admin?: boolean;
  /** The `preferred_username` claim (what some providers send instead of `name`), for tests. */
  preferredUsername?: string;
  /** Registered claims to leave out, to see such a token refused. */
  omit?: readonly ("exp" | "sub" | "kid")[];
}

/** The longest token `POST /dev/token` mints. */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;
/** A token request is a few fields; anything much bigger is not one. */
const MAX_REQUEST_BYTES = 16 * 1024;

const unitSeconds = { s: 1, m: 60, h: 60 * 60 } as const;
const lifetimeMessage = `must be 1 s to 24 h: seconds, or a duration like "30m" or "1h"`;

/** A token's lifetime: whole seconds, or a duration string ("90s", "30m", "1h"); at most 24 h. */
const Lifetime = v.pipe(
  v.union(
    [
      v.pipe(v.number(), v.integer()),
      v.pipe(
        v.string(),
        v.regex(/^\d{1,6}[smh]$/),
        v.transform(
          (text) => Number(text.slice(0, -1)) * unitSeconds[text.at(-1) as keyof typeof unitSeconds],
        ),
      ),
    ],
    lifetimeMessage,
  ),
  v.minValue(1, lifetimeMessage),
  v.maxValue(MAX_TOKEN_LIFETIME_SECONDS, lifetimeMessage),
);

/** The body of `POST /dev/token`: `{ userId, name?, admin?, expiresIn? }`; unknown keys are refused. */
const TokenRequest = v.strictObject({
  userId: UserId,
  name: v.optional(Username),
  admin: v.optional(v.boolean()),
  expiresIn: v.optional(Lifetime),
});

/**
 * A development identity provider for the local stack: a fresh RS256 key pair per run, its public key published as
 * a JWKS behind an OIDC discovery document, and an endpoint that mints tokens for any user. Never deploy it: it
 * signs whatever it is asked to. So that no web page can ask it (a `text/plain` POST needs no CORS preflight), it
 * refuses requests that carry an `Origin` header and bodies that are not `application/json`.
 */
export const createDevIssuer = async (baseUrl: string, audience = "chat-local"): Promise<DevIssuer> => {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const kid = `dev-${Date.now().toString(36)}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" }] };
  const issuer = baseUrl;
  const jwksUrl = `${baseUrl}/.well-known/jwks.json`;
  const discovery = {
    issuer,
    jwks_uri: jwksUrl,
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
  };
  const mint = (userId: string, options: MintOptions = {}) => {
    const { expiresIn = "1h", audience: tokenAudience = audience, omit = [] } = options;
    const jwt = new SignJWT({
      ...options.claims,
      ...(options.name !== undefined && { name: options.name }),
      ...(options.admin !== undefined && { chat_admin: options.admin }),
      ...(options.preferredUsername !== undefined && { preferred_username: options.preferredUsername }),
    })
      .setProtectedHeader({ alg: "RS256", ...(!omit.includes("kid") && { kid }), typ: "JWT" })
      .setIssuer(options.issuer ?? issuer);
    if (tokenAudience !== null) jwt.setAudience([tokenAudience].flat());
    if (options.claims?.iat === undefined) jwt.setIssuedAt();
    if (!omit.includes("sub")) jwt.setSubject(userId);
    if (!omit.includes("exp")) jwt.setExpirationTime(expiresIn);
    return jwt.sign(privateKey);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = requestUrl(req).pathname;
    if (req.method === "GET" && path === "/.well-known/openid-configuration") {
      sendJson(res, 200, discovery);
      return true;
    }
    if (req.method === "GET" && path === "/.well-known/jwks.json") {
      sendJson(res, 200, jwks);
      return true;
    }
    if (req.method === "POST" && path === "/dev/token") {
      mintFromRequest(req, res).catch((error: unknown) => {
        console.error("[dev-issuer] POST /dev/token failed", error);
        if (!res.headersSent) sendError(res, 500, "internal", "Internal Server Error");
        else res.destroy();
      });
      return true;
    }
    return false;
  };

  const mintFromRequest = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.origin !== undefined) {
      req.resume();
      return sendError(res, 403, "forbidden", "The development issuer does not answer web pages");
    }
    const mediaType = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
    if (mediaType !== "application/json") {
      req.resume();
      return sendError(res, 400, "validation_failed", "Content-Type must be application/json");
    }
    const body = await readLimited(req, MAX_REQUEST_BYTES);
    if (body === null) {
      return sendError(res, 413, "payload_too_large", `Body must be at most ${MAX_REQUEST_BYTES} bytes`);
    }
    let input: unknown;
    try {
      input = JSON.parse(body.toString("utf8"));
    } catch {
      return sendError(res, 400, "invalid_json", "Body must be valid JSON");
    }
    const parsed = v.safeParse(TokenRequest, input);
    if (!parsed.success) {
      return sendJson(res, 400, {
        code: "validation_failed",
        message: 'Send {"userId": "...", "name"?: "...", "admin"?: true, "expiresIn"?: "1h"}',
        details: toErrorIssues(parsed.issues),
      });
    }
    const { userId, name, admin, expiresIn } = parsed.output;
    const token = await mint(userId, {
      ...(name !== undefined && { name }),
      ...(admin !== undefined && { admin }),
      ...(expiresIn !== undefined && { expiresIn: `${expiresIn}s` }),
    });
    sendJson(res, 200, { token });
  };

  return { issuer, audience, jwksUrl, mint, handle };
};

/** The whole body, or null once it passes `limit` bytes (the rest is read and dropped). */
export const readLimited = async (req: IncomingMessage, limit: number): Promise<Buffer | null> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size <= limit ? Buffer.concat(chunks) : null;
};
