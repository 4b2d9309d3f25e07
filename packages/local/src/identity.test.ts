import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ErrorResponse, SendMessageResponse } from "@chat/types";
import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, refusedHandshake } from "../test/clients";
import { type LocalStack, startLocalStack } from "./stack";

// Identity end to end on a stage that requires tokens: the token names the caller, its `name` claim their display
// name, and the stage's admins list (or the `chat_admin` claim) makes an admin.
const run$ = promisify(execFile);
let stack: LocalStack;
// The handlers' modules read the stage's settings: imported once the stack has set them.
let identity: typeof import("@chat/functions/edge/identity");
let authorize: typeof import("@chat/functions/ws/authorize")["handler"];

beforeAll(async () => {
  stack = await startLocalStack({
    httpPort: 0,
    wsPort: 0,
    tableName: "chat-identity",
    auth: "jwt",
    admins: ["boss"],
  });
  identity = await import("@chat/functions/edge/identity");
  ({ handler: authorize } = await import("@chat/functions/ws/authorize"));
});

afterAll(async () => {
  await stack?.stop();
});

const send = (token: string, body: Record<string, unknown>, roomId = "identity") =>
  fetch(`${stack.httpUrl}/rooms/${roomId}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });

const sentMessage = async (response: Response) => {
  expect(response.status).toBe(201);
  return v.parse(SendMessageResponse, await response.json()).message;
};

describe("the sender of a REST message on a jwt stage", () => {
  it("is the token's subject, named by its name claim, when the body names nobody", async () => {
    const token = await stack.issuer.mint("alice", { name: "Alice Liddell" });

    const message = await sentMessage(await send(token, { text: "hello" }));

    expect(message).toMatchObject({ userId: "alice", username: "Alice Liddell", text: "hello" });
  });

  it("takes the name claim over the body's username", async () => {
    const token = await stack.issuer.mint("alice", { name: "Alice Liddell" });

    const message = await sentMessage(await send(token, { userId: "alice", username: "queen", text: "hi" }));

    expect(message.username).toBe("Alice Liddell");
  });

  it("falls back to preferred_username, then to the body's username", async () => {
    const preferred = await stack.issuer.mint("carol", { preferredUsername: "caz" });
    const nameless = await stack.issuer.mint("dave");

    const byClaim = await sentMessage(await send(preferred, { username: "ignored", text: "one" }));
    const byBody = await sentMessage(await send(nameless, { username: "davey", text: "two" }));

    expect([byClaim.username, byBody.username]).toEqual(["caz", "davey"]);
  });

  it("answers 400 validation_failed naming username when neither the token nor the body names the user", async () => {
    const token = await stack.issuer.mint("erin");

    const response = await send(token, { text: "who?" });

    expect(response.status).toBe(400);
    expect(v.parse(ErrorResponse, await response.json())).toMatchObject({
      code: "validation_failed",
      details: [{ path: "username" }],
    });
  });

  it("refuses a body userId other than the token's subject with 403, even with the name claim", async () => {
    const token = await stack.issuer.mint("alice", { name: "Alice" });

    const response = await send(token, { userId: "bob", text: "i am bob" });

    expect(response.status).toBe(403);
    expect(v.parse(ErrorResponse, await response.json()).code).toBe("forbidden");
  });
});

describe("the user of a socket on a jwt stage", () => {
  it("connects with only a token, and sends under the token's name", async () => {
    const token = await stack.issuer.mint("frank", { name: "Frank" });
    const client = await connectClient(stack.wsUrl, { roomId: "identity-ws", token });
    try {
      client.socket.send(
        JSON.stringify({ type: "send", roomId: "identity-ws", text: "hey", clientMessageId: "c1" }),
      );

      const [ack] = await client.waitFor(1, (frame) => frame.type === "ack");

      expect(ack).toMatchObject({ message: { userId: "frank", username: "Frank", text: "hey" } });
    } finally {
      await client.close();
    }
  });

  it("uses the query's username when the token has no name, and refuses a handshake naming nobody", async () => {
    const token = await stack.issuer.mint("gina");

    const named = await connectClient(stack.wsUrl, { roomId: "identity-ws", username: "Gina", token });
    await named.close();
    const refused = await refusedHandshake(stack.wsUrl, new URLSearchParams({ token }).toString());

    expect(refused.status).toBe(400);
    expect(v.parse(ErrorResponse, JSON.parse(refused.body))).toMatchObject({
      code: "validation_failed",
      details: [{ path: "username" }],
    });
  });

  it("refuses a handshake whose userId is not the token's subject with 403", async () => {
    const token = await stack.issuer.mint("alice", { name: "Alice" });

    const refused = await refusedHandshake(
      stack.wsUrl,
      new URLSearchParams({ userId: "bob", token }).toString(),
    );

    expect(refused.status).toBe(403);
  });
});

describe("stage admins", () => {
  const authorizerEvent = (token: string) =>
    ({
      type: "REQUEST",
      methodArn: "arn:aws:execute-api:local:000000000000:api/local/$connect",
      queryStringParameters: { token },
      requestContext: { requestId: "r1" },
    }) as unknown as APIGatewayRequestAuthorizerEvent;

  it("are passed by the $connect authorizer: the chat_admin claim or the stage's list, with the name", async () => {
    const claimed = await authorize(
      authorizerEvent(await stack.issuer.mint("ann", { admin: true, name: "Ann" })),
    );
    const listed = await authorize(authorizerEvent(await stack.issuer.mint("boss")));
    const plain = await authorize(authorizerEvent(await stack.issuer.mint("pat", { admin: false })));

    expect(claimed.context).toEqual({ userId: "ann", name: "Ann", admin: true });
    expect(listed.context).toEqual({ userId: "boss", admin: true });
    expect(plain.context).toEqual({ userId: "pat", admin: false });
  });

  it("are recognised from the HTTP authorizer's string claims and from the socket's context", () => {
    const http = (claims: Record<string, string>) =>
      identity.httpIdentity({ authorizer: { jwt: { claims } } });

    expect(http({ sub: "ann", chat_admin: "true", name: "Ann" })).toEqual({
      userId: "ann",
      name: "Ann",
      admin: true,
    });
    expect(http({ sub: "boss" })?.admin).toBe(true);
    expect(http({ sub: "pat", chat_admin: "false" })?.admin).toBe(false);
    expect(identity.socketIdentity({ authorizer: { userId: "ann", admin: true } })?.admin).toBe(true);
    expect(identity.socketIdentity({ authorizer: { userId: "pat", admin: false } })).toEqual({
      userId: "pat",
      name: null,
      admin: false,
    });
  });

  it("are minted by `pnpm mint-token` with a name and the admin claim", async () => {
    const script = fileURLToPath(new URL("./mint-token.ts", import.meta.url));
    const { stdout } = await run$(
      process.execPath,
      ["--import", "tsx", script, "ann", "--name", "Ann Lee", "--admin", "--expires-in", "10m"],
      { env: { ...process.env, CHAT_WS_PORT: new URL(stack.wsUrl).port } },
    );

    const minted = await authorize(authorizerEvent(stdout.trim()));
    expect(minted.context).toEqual({ userId: "ann", name: "Ann Lee", admin: true });
  });
});
