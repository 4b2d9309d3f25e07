import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthSettings } from "./settings";
import { CLOCK_TOLERANCE_SECONDS, createTokenVerifier, isForAudience } from "./token";

// A stand-in identity provider on loopback (the only place http is accepted): a discovery document and a JWKS whose
// contents each test picks.
let server: Server;
let issuer: string;
let discovery: Record<string, unknown> = {};
const keyPair = await generateKeyPair("RS256");
const jwks = { keys: [{ ...(await exportJWK(keyPair.publicKey)), kid: "k1", alg: "RS256", use: "sig" }] };
let discoveryRequests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/.well-known/openid-configuration") {
      discoveryRequests++;
      return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(discovery));
    }
    if (req.url === "/keys")
      return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

const token = (claims: { sub?: string; exp?: number; iss?: string } = {}) => {
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer(claims.iss ?? issuer)
    .setAudience("chat");
  if (claims.sub !== "") jwt.setSubject(claims.sub ?? "alice");
  if (claims.exp !== 0) jwt.setExpirationTime(claims.exp ?? "1h");
  return jwt.sign(keyPair.privateKey);
};

describe("createTokenVerifier", () => {
  it("finds the keys through the issuer's discovery document, once", async () => {
    discovery = { issuer, jwks_uri: `${issuer}/keys` };
    const before = discoveryRequests;
    const verify = createTokenVerifier({ issuer, audiences: ["chat"] });

    const first = await verify(await token());
    const second = await verify(await token({ sub: "bob" }));

    expect([first.sub, second.sub]).toEqual(["alice", "bob"]);
    expect(discoveryRequests - before).toBe(1);
  });

  it("requires exp and sub, and allows the clock tolerance on exp only", async () => {
    discovery = { issuer, jwks_uri: `${issuer}/keys` };
    const verify = createTokenVerifier({ issuer, audiences: ["chat"] });
    const now = Math.floor(Date.now() / 1000);

    await expect(verify(await token({ exp: 0 }))).rejects.toThrow(/exp/);
    await expect(verify(await token({ sub: "" }))).rejects.toThrow(/sub/);
    await expect(verify(await token({ exp: now - CLOCK_TOLERANCE_SECONDS - 5 }))).rejects.toThrow(/exp/);
    await expect(verify(await token({ exp: now - 5 }))).resolves.toMatchObject({ sub: "alice" });
  });

  it("refuses keys from a discovery document that names another issuer or an http jwks_uri off loopback", async () => {
    for (const document of [
      { issuer: "https://elsewhere.example", jwks_uri: `${issuer}/keys` },
      { issuer, jwks_uri: "http://keys.example.com/keys" },
    ]) {
      discovery = document;
      const verify = createTokenVerifier({ issuer, audiences: ["chat"] });

      await expect(verify(await token())).rejects.toThrow();
    }
  });

  it("accepts https issuers, and http ones on loopback only", () => {
    const valid = (url: string) =>
      v.safeParse(AuthSettings, { mode: "jwt", issuer: url, audiences: ["chat"] }).success;

    expect(valid("https://auth.example.com/")).toBe(true);
    expect(valid("http://127.0.0.1:3001")).toBe(true);
    expect(valid("http://localhost:3001")).toBe(true);
    expect(valid("http://auth.example.com")).toBe(false);
    expect(() => createTokenVerifier({ issuer: "http://auth.example.com", audiences: ["chat"] })).toThrow(
      /https/,
    );
  });
});

describe("isForAudience", () => {
  const audiences = ["api://chat", "app-client"];

  it("judges aud when present, as a string or a list, whatever client_id says", () => {
    expect(isForAudience({ aud: "api://chat" }, audiences)).toBe(true);
    expect(isForAudience({ aud: ["https://x/userinfo", "app-client"] }, audiences)).toBe(true);
    expect(isForAudience({ aud: "api://other", client_id: "app-client" }, audiences)).toBe(false);
    expect(isForAudience({ aud: [], client_id: "app-client" }, audiences)).toBe(false);
  });

  it("judges client_id only without aud (Cognito access tokens)", () => {
    expect(isForAudience({ client_id: "app-client", token_use: "access" }, audiences)).toBe(true);
    expect(isForAudience({ client_id: "another-client" }, audiences)).toBe(false);
    expect(isForAudience({}, audiences)).toBe(false);
  });
});
