import type { IncomingMessage, ServerResponse } from "node:http";
import { UserId } from "@chat/types";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import * as v from "valibot";
import { requestUrl } from "./request-url";

export interface DevIssuer {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** Signs a token for a user, as a real identity provider would after a login. */
  mint(userId: string, options?: MintOptions): Promise<string>;
  /** Serves `GET /.well-known/jwks.json` and `POST /dev/token`; false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

export interface MintOptions {
  /** A duration ("1h") or an epoch-seconds expiry. */
  expiresIn?: string | number;
  /** Another audience than the stack's, to see it refused. */
  audience?: string;
}

const TokenRequest = v.object({ userId: UserId, expiresIn: v.optional(v.union([v.string(), v.number()])) });

/**
 * A development identity provider for the local stack: a fresh RS256 key pair per run, its public key published as
 * a JWKS, and an endpoint that mints tokens for any user. Never deploy it: it signs whatever it is asked to.
 */
export const createDevIssuer = async (baseUrl: string, audience = "chat-local"): Promise<DevIssuer> => {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const kid = `dev-${Date.now().toString(36)}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" }] };
  const issuer = baseUrl;
  const mint = (userId: string, { expiresIn = "1h", audience: tokenAudience = audience }: MintOptions = {}) =>
    new SignJWT({})
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .setSubject(userId)
      .setIssuer(issuer)
      .setAudience(tokenAudience)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(privateKey);

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = requestUrl(req).pathname;
    if (req.method === "GET" && path === "/.well-known/jwks.json") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks));
      return true;
    }
    if (req.method === "POST" && path === "/dev/token") {
      void mintFromRequest(req, res);
      return true;
    }
    return false;
  };

  const mintFromRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    let input: unknown;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    } catch {
      input = undefined;
    }
    const parsed = v.safeParse(TokenRequest, input);
    if (!parsed.success) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "validation_failed", message: 'Send {"userId": "..."}' }));
      return;
    }
    const { userId, expiresIn } = parsed.output;
    const token = await mint(userId, expiresIn === undefined ? {} : { expiresIn });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token }));
  };

  return { issuer, audience, jwksUrl: `${baseUrl}/.well-known/jwks.json`, mint, handle };
};
