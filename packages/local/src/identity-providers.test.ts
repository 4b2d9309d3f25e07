import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, refusedHandshake } from "../test/clients";
import { type ProviderToken, startTestIssuer } from "../test/test-issuer";
import { type LocalStack, startLocalStack } from "./stack";

// The token shapes of common identity providers, from a test issuer on loopback laid out as Okta lays out its
// authorization servers (issuer `/oauth2/default`, keys at `<issuer>/v1/keys`, named only by the discovery document),
// checked by the local stack's HTTP API emulation and by the socket's `$connect` authorizer: API Gateway's HTTP JWT
// authorizer is configured with this issuer and these two audiences (an API identifier and a Cognito app client).
const api = "api://chat";
const appClient = "4mq0cognitoappclient";
let provider: Awaited<ReturnType<typeof startTestIssuer>>;
let stack: LocalStack;

beforeAll(async () => {
  provider = await startTestIssuer({ issuerPath: "/oauth2/default", keysPath: "/v1/keys" });
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-identity-providers",
    auth: "jwt",
    identityProvider: { issuer: provider.issuer, audiences: [api, appClient] },
  });
});

afterAll(async () => {
  await stack?.stop();
  await provider?.close();
});

const now = () => Math.floor(Date.now() / 1000);
/** What every token carries unless a case says otherwise: this issuer, a subject, issued now, an hour to live. */
const base = (sub: string) => ({ iss: provider.issuer, sub, iat: now(), exp: now() + 3600 });

type Case = [what: string, token: (sub: string) => ProviderToken];

const accepted: Case[] = [
  [
    "a Cognito access token: no aud, the app client in client_id",
    (sub) => ({
      claims: { ...base(sub), client_id: appClient, token_use: "access", scope: "openid", username: sub },
    }),
  ],
  [
    "a Cognito ID token: the app client in aud",
    (sub) => ({ claims: { ...base(sub), aud: appClient, token_use: "id", "cognito:username": sub } }),
  ],
  [
    "an Auth0 access token: aud lists the API and the userinfo endpoint",
    (sub) => ({
      claims: { ...base(sub), aud: [api, `${provider.issuer}/userinfo`], azp: "spa", scope: "openid" },
    }),
  ],
  [
    "an Okta access token: the API in aud, the client in cid",
    (sub) => ({ claims: { ...base(sub), aud: api, cid: "0oa1okta", scp: ["openid"] } }),
  ],
  [
    "a token signed RS512 (any RSA algorithm)",
    (sub) => ({ claims: { ...base(sub), aud: api }, alg: "RS512" }),
  ],
];

const refused: Case[] = [
  [
    "a Cognito access token of another app client",
    (sub) => ({ claims: { ...base(sub), client_id: "another-client", token_use: "access" } }),
  ],
  [
    "an aud for another API, even with the right client_id (aud is judged when present)",
    (sub) => ({ claims: { ...base(sub), aud: "api://other", client_id: appClient } }),
  ],
  ["neither aud nor client_id", (sub) => ({ claims: base(sub) })],
  [
    "an Auth0 aud list naming none of the audiences",
    (sub) => ({ claims: { ...base(sub), aud: ["api://other", `${provider.issuer}/userinfo`] } }),
  ],
  [
    "not valid before a minute from now (nbf)",
    (sub) => ({ claims: { ...base(sub), aud: api, nbf: now() + 60 } }),
  ],
  ["issued a minute from now (iat)", (sub) => ({ claims: { ...base(sub), aud: api, iat: now() + 60 } })],
  ["expired a minute ago", (sub) => ({ claims: { ...base(sub), aud: api, exp: now() - 60 } })],
  ["no kid in the header", (sub) => ({ claims: { ...base(sub), aud: api }, kid: null })],
  ["a kid the issuer's keys do not have", (sub) => ({ claims: { ...base(sub), aud: api }, kid: "unknown" })],
  [
    "another issuer",
    (sub) => ({ claims: { ...base(sub), aud: api, iss: `${provider.issuer.replace("default", "other")}` } }),
  ],
];

/** What each API does with a token: the HTTP status of a read, and whether the socket handshake opens (or its status). */
const outcome = async (sub: string, token: string) => {
  const rest = await fetch(`${stack.httpUrl}/rooms/general/messages`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await rest.body?.cancel();
  const query = { roomId: "general", userId: sub, username: sub, token };
  let socket: number | "open";
  try {
    const client = await connectClient(stack.wsUrl, query);
    socket = "open";
    await client.close();
  } catch {
    socket = (await refusedHandshake(stack.wsUrl, new URLSearchParams(query).toString())).status;
  }
  return { rest: rest.status, socket };
};

describe("tokens of the common identity providers", () => {
  it.each(accepted.map(([what, shape], i) => [what, shape, `ok-${i}`] as const))(
    "accepts %s on REST and on the socket handshake alike",
    async (_, shape, sub) => {
      const token = await provider.sign(shape(sub));

      expect(await outcome(sub, token)).toEqual({ rest: 200, socket: "open" });
    },
  );

  it.each(refused.map(([what, shape], i) => [what, shape, `no-${i}`] as const))(
    "refuses %s with 401 on REST and on the socket handshake alike",
    async (_, shape, sub) => {
      const token = await provider.sign(shape(sub));

      expect(await outcome(sub, token)).toEqual({ rest: 401, socket: 401 });
    },
  );

  it("finds the keys where the discovery document says (Okta's /v1/keys), never at a guessed jwks.json", () => {
    expect(provider.requestsTo("/oauth2/default/.well-known/openid-configuration")).toBeGreaterThanOrEqual(1);
    expect(provider.requestsTo("/oauth2/default/v1/keys")).toBeGreaterThanOrEqual(1);
    expect(provider.requestsTo("/oauth2/default/.well-known/jwks.json")).toBe(0);
  });
});
