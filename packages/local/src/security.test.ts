import { CLOCK_TOLERANCE_SECONDS } from "@chat/functions/token";
import { ErrorResponse } from "@chat/types";
import { generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, refusedHandshake, wellInsideAMinute } from "../test/clients";
import { type LocalStack, startLocalStack } from "./stack";

// A stage as production runs it: tokens required, tight limits, one allowed origin.
let stack: LocalStack;
const origin = "https://chat.example.com";

beforeAll(async () => {
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-security",
    auth: "jwt",
    corsOrigins: [origin],
    limits: { sendsPerMinute: 5, framesPerMinute: 5, connectionsPerUser: 2 },
  });
});

afterAll(async () => {
  await stack?.stop();
});

const send = (
  token: string | null,
  userId: string,
  roomId = "secure",
  headers: Record<string, string> = {},
) =>
  fetch(`${stack.httpUrl}/rooms/${roomId}/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token && { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: JSON.stringify({ userId, username: userId, text: "hello" }),
  });

const wsQuery = (userId: string, token: string, roomId = "secure") =>
  new URLSearchParams({ roomId, userId, username: userId, token }).toString();

/** Tokens that must all be refused, each wrong in one way. */
const badTokens = async (userId: string): Promise<[string, string | null][]> => {
  const stranger = await generateKeyPair("RS256");
  const claims = { sub: userId, iss: stack.issuer.issuer, aud: stack.issuer.audience };
  const now = Math.floor(Date.now() / 1000);
  return [
    ["no token", null],
    ["garbage", "not-a-jwt"],
    ["a token without exp (it would never expire)", await stack.issuer.mint(userId, { omit: ["exp"] })],
    ["a token without sub", await stack.issuer.mint(userId, { omit: ["sub"] })],
    [
      "a token expired beyond the clock tolerance",
      await stack.issuer.mint(userId, { expiresIn: now - CLOCK_TOLERANCE_SECONDS - 30 }),
    ],
    ["a token for another audience", await stack.issuer.mint(userId, { audience: "someone-else" })],
    ["a token from another issuer", await stack.issuer.mint(userId, { issuer: "https://other.example" })],
    [
      "a token signed by another key",
      await new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256" })
        .setExpirationTime("1h")
        .sign(stranger.privateKey),
    ],
    ["an alg:none token", new UnsecuredJWT(claims).setExpirationTime("1h").encode()],
  ];
};

describe("identity", () => {
  it("refuses every bad token with 401 on REST", async () => {
    for (const [what, token] of await badTokens("mallory")) {
      const response = await send(token, "mallory");
      expect([what, response.status]).toEqual([what, 401]);
      expect(v.parse(ErrorResponse, await response.json()).code).toBe("unauthorized");
    }
  });

  it("refuses every bad token with 401 on the WebSocket handshake", async () => {
    for (const [what, token] of await badTokens("mallory")) {
      const query = token === null ? "roomId=secure&userId=mallory&username=m" : wsQuery("mallory", token);
      const { status } = await refusedHandshake(stack.wsUrl, query);
      expect([what, status]).toEqual([what, 401]);
    }
  });

  it("accepts a valid token on both APIs, and one expired by less than the clock tolerance", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const [what, token] of [
      ["valid", await stack.issuer.mint("valid")],
      ["just expired", await stack.issuer.mint("valid", { expiresIn: now - 5 })],
    ] as const) {
      const rest = await send(token, "valid", "accepted");
      const socket = await connectClient(stack.wsUrl, {
        roomId: "accepted",
        userId: "valid",
        username: "v",
        token,
      });

      expect([what, rest.status]).toEqual([what, 201]);
      expect(socket.socket.readyState).toBe(socket.socket.OPEN);
      await socket.close();
    }
  });

  it("accepts a valid token, and refuses to act as another user with 403", async () => {
    const token = await stack.issuer.mint("alice");

    const own = await send(token, "alice", "identity");
    const impersonating = await send(token, "bob", "identity");

    expect(own.status).toBe(201);
    expect(impersonating.status).toBe(403);
    expect(v.parse(ErrorResponse, await impersonating.json()).code).toBe("forbidden");
    const history = await fetch(`${stack.httpUrl}/rooms/identity/messages`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await history.json()) as { messages: unknown[] }).messages).toHaveLength(1);
  });

  it("refuses a handshake whose userId is not the token's subject with 403", async () => {
    const token = await stack.issuer.mint("alice");

    const { status } = await refusedHandshake(stack.wsUrl, wsQuery("bob", token));

    expect(status).toBe(403);
  });

  it("needs no token for the health check", async () => {
    expect((await fetch(`${stack.httpUrl}/health`)).status).toBe(200);
  });
});

describe("limits", () => {
  it("answers 429 with retry-after to a user over the limit, while another user is unaffected", async () => {
    const [flooder, bystander] = [await stack.issuer.mint("flooder"), await stack.issuer.mint("bystander")];

    await wellInsideAMinute();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await send(flooder, "flooder", "flood")).status);
    const limited = await send(flooder, "flooder", "flood");
    const other = await send(bystander, "bystander", "flood");

    expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 201]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(v.parse(ErrorResponse, await limited.json()).code).toBe("rate_limited");
    expect(other.status).toBe(201);
  });

  it("answers frames over the per-connection limit with rate_limited error frames", async () => {
    await wellInsideAMinute();
    const token = await stack.issuer.mint("chatty");
    const client = await connectClient(stack.wsUrl, {
      roomId: "frames",
      userId: "chatty",
      username: "c",
      token,
    });

    for (let i = 0; i < 7; i++) client.socket.send(JSON.stringify({ type: "ping" }));

    const errors = await client.waitFor(2, (frame) => frame.type === "error");
    await client.waitFor(5, (frame) => frame.type === "pong");
    expect(errors[0]).toMatchObject({ type: "error", error: { code: "rate_limited" } });
    await client.close();
  });

  it("refuses a user's connection past the per-user maximum with 429", async () => {
    const token = await stack.issuer.mint("busy");
    const first = await connectClient(stack.wsUrl, { roomId: "a", userId: "busy", username: "b", token });
    const second = await connectClient(stack.wsUrl, { roomId: "b", userId: "busy", username: "b", token });

    const third = await refusedHandshake(stack.wsUrl, wsQuery("busy", token));

    expect(third.status).toBe(429);
    await Promise.all([first.close(), second.close()]);
  });

  it("answers request headers over 10 KiB with 431", async () => {
    const response = await fetch(`${stack.httpUrl}/health`, {
      headers: { "x-padding": "x".repeat(11 * 1024) },
    });

    expect(response.status).toBe(431);
  });
});

describe("browser-facing headers", () => {
  it("answers a preflight from an allowed origin, and gives other origins no CORS headers", async () => {
    const preflight = (from: string) =>
      fetch(`${stack.httpUrl}/rooms/general/messages`, {
        method: "OPTIONS",
        headers: { origin: from, "access-control-request-method": "POST" },
      });

    const allowed = await preflight(origin);
    const refused = await preflight("https://evil.example");

    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(origin);
    expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("puts the security headers on the responses the gateway makes itself", async () => {
    const unauthorized = await send(null, "nobody");
    const tooLarge = await fetch(`${stack.httpUrl}/rooms/general/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x".repeat(10 * 1024 * 1024 + 1),
    });
    const headersTooLarge = await fetch(`${stack.httpUrl}/health`, {
      headers: { "x-padding": "x".repeat(11 * 1024) },
    });
    const issuer = await fetch(`${stack.issuer.issuer}/.well-known/openid-configuration`);
    const handshake = await refusedHandshake(stack.wsUrl, "roomId=secure&userId=nobody&username=n");

    for (const [what, status, get] of [
      ["401", unauthorized.status, (name: string) => unauthorized.headers.get(name)],
      ["413", tooLarge.status, (name: string) => tooLarge.headers.get(name)],
      ["431", headersTooLarge.status, (name: string) => headersTooLarge.headers.get(name)],
      ["issuer", issuer.status, (name: string) => issuer.headers.get(name)],
      ["handshake 401", handshake.status, (name: string) => String(handshake.headers[name])],
    ] as const) {
      expect([what, status]).toEqual([
        what,
        { "401": 401, "413": 413, "431": 431, issuer: 200, "handshake 401": 401 }[what],
      ]);
      expect([what, get("x-content-type-options")]).toEqual([what, "nosniff"]);
      expect([what, get("x-frame-options")]).toEqual([what, "DENY"]);
      expect([what, get("content-security-policy")]).toEqual([
        what,
        "default-src 'none'; frame-ancestors 'none'",
      ]);
      expect([what, get("cache-control")]).toEqual([what, "no-store"]);
    }
  });

  it("puts the security headers on every response, errors included", async () => {
    const token = await stack.issuer.mint("headers");
    const responses = [
      await fetch(`${stack.httpUrl}/health`),
      await fetch(`${stack.httpUrl}/nope`),
      await send(token, "headers", "Bad Room"),
    ];

    for (const response of responses) {
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(response.headers.get("strict-transport-security")).toContain("max-age=");
      expect(response.headers.get("x-request-id")).toBeTruthy();
    }
  });
});
