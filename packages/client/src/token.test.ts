import type { AddressInfo } from "node:net";
import type { ChatMessage, GetMessagesResponse } from "@chat/types";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { dropConnections, uniqueRoom, useLocalStack, waitFor } from "../test/stack";
import { startFlakyProxy } from "../test/stand-ins";
import {
  ChatApiError,
  type ChatClientOptions,
  type ChatError,
  type ConnectionStatus,
  createChatClient,
  RealtimeConnection,
  type RestApi,
} from "./index";

// Real: the local stack on a stage that requires tokens (its development issuer mints them), real sockets.
// Stand-ins, where a test says so: a WebSocket server that records handshakes and closes or refuses them, and a
// RestApi whose refusal is scripted.
const stack = useLocalStack({ auth: "jwt" });
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A token provider that counts its calls and mints from the stack's issuer (`bad` ones for another audience). */
const provider = (userId: string, plan: ("good" | "bad" | "expired")[] = [], name?: string) => {
  const calls: string[] = [];
  const get = async () => {
    const kind = plan[calls.length] ?? "good";
    calls.push(kind);
    const { issuer } = stack.current;
    if (kind === "bad") return issuer.mint(userId, { audience: "someone-else" });
    if (kind === "expired") return issuer.mint(userId, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    return issuer.mint(userId, name === undefined ? {} : { name });
  };
  return { get, calls };
};

/** A client that names nobody: the token says who it is. */
const tokenClient = (token: string | (() => Promise<string>), extra: Partial<ChatClientOptions> = {}) =>
  createChatClient({
    httpUrl: stack.current.httpUrl,
    wsUrl: stack.current.wsUrl,
    WebSocket,
    token,
    ...extra,
  });

describe("the token on REST", () => {
  it("sends the token as a bearer: a send names nobody and is stored as the token's user", async () => {
    const roomId = uniqueRoom("rest");
    const client = tokenClient(await stack.current.issuer.mint("alice", { name: "Alice" }));

    const message = await client.send(roomId, { text: "hello" });

    expect(message).toMatchObject({ userId: "alice", username: "Alice", text: "hello" });
    expect([client.userId, client.username]).toEqual(["alice", "Alice"]);
  });

  it("asks the provider for a fresh token after a 401 and retries that request once", async () => {
    const token = provider("bob", ["expired", "good"]);
    const client = tokenClient(token.get, { username: "Bob" });

    const message = await client.send(uniqueRoom("refresh"), { text: "after a refresh" });

    expect(message).toMatchObject({ userId: "bob", username: "Bob" });
    expect(token.calls).toEqual(["expired", "good"]);
  });

  it("gives up with 401 when the fresh token is refused too, asking only once more", async () => {
    const token = provider("carol", ["bad", "bad", "good"]);
    const client = tokenClient(token.get);

    const failure = await client.history(uniqueRoom("refused")).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ChatApiError);
    expect((failure as ChatApiError).code).toBe("unauthorized");
    expect(token.calls).toEqual(["bad", "bad"]);
  });

  it("sends a string token as it is: a refused one is not retried", async () => {
    const proxy = await startFlakyProxy(stack.current.httpUrl, []);
    cleanups.push(() => proxy.close());
    const bad = await stack.current.issuer.mint("dave", { audience: "someone-else" });
    const client = tokenClient(bad, { httpUrl: proxy.url });

    const failure = await client.history(uniqueRoom("string")).catch((error: unknown) => error);

    expect((failure as ChatApiError).status).toBe(401);
    expect(proxy.exchanges).toHaveLength(1);
  });
});

describe("the token on the socket", () => {
  it("connects with the token alone, and asks the provider for a fresh token on every reconnect", async () => {
    const roomId = uniqueRoom("socket");
    const token = provider("erin", [], "Erin");
    const connection = tokenClient(token.get).connect({
      rooms: [roomId],
      backlog: 0,
      reconnectBaseDelayMs: 50,
    });
    cleanups.push(() => connection.close());
    const statuses: ConnectionStatus[] = [];
    const messages: ChatMessage[] = [];
    connection.on("status", (status) => statuses.push(status));
    connection.on("message", (message) => messages.push(message));
    await waitFor("live", () => connection.status === "live");
    const callsBefore = token.calls.length;

    expect(await dropConnections(stack.current, roomId)).toBe(1);
    await waitFor("reconnected", () => statuses.includes("reconnecting") && connection.status === "live");
    await connection.send(roomId, "over the socket");
    await waitFor("the message", () => messages.length === 1);

    expect(token.calls.length).toBeGreaterThan(callsBefore);
    expect(messages[0]).toMatchObject({ userId: "erin", username: "Erin", text: "over the socket" });
  });

  it("ends in closed with an unauthorized error for a token the API refuses, instead of reconnecting forever", async () => {
    const token = provider("frank", ["bad", "bad", "bad", "bad", "bad"]);
    const connection = tokenClient(token.get).connect({
      rooms: [uniqueRoom("bad")],
      reconnectBaseDelayMs: 20,
    });
    const errors: ChatError[] = [];
    const statuses: ConnectionStatus[] = [];
    connection.on("error", (error) => errors.push(error));
    connection.on("status", (status) => statuses.push(status));

    await waitFor("closed", () => connection.status === "closed");
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(statuses.at(-1)).toBe("closed");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ChatApiError);
    expect((errors[0] as ChatApiError).code).toBe("unauthorized");
    // One handshake, then the REST look: its token, and the fresh one asked for after the 401.
    expect(token.calls).toEqual(["bad", "bad"]);
  });

  it("ends in closed with a forbidden error when userId is not the token's subject", async () => {
    const token = await stack.current.issuer.mint("henry");
    const connection = tokenClient(token, { userId: "someone-else", username: "H" }).connect({
      rooms: [uniqueRoom("impostor")],
    });
    const errors: ChatError[] = [];
    connection.on("error", (error) => errors.push(error));

    await waitFor("closed", () => connection.status === "closed");

    expect(errors.map((error) => (error as ChatApiError).code)).toEqual(["forbidden"]);
  });

  it("ends with unauthorized, not forbidden, for a refused token that names someone else than userId", async () => {
    const token = await stack.current.issuer.mint("ivan", { audience: "someone-else" });
    const connection = tokenClient(token, { userId: "web-ivan", username: "Ivan" }).connect({
      rooms: [uniqueRoom("refused-impostor")],
    });
    const errors: ChatError[] = [];
    connection.on("error", (error) => errors.push(error));

    await waitFor("closed", () => connection.status === "closed");

    expect(errors.map((error) => (error as ChatApiError).code)).toEqual(["unauthorized"]);
  });

  it("reconnects when the look over REST finds the token good again (it had expired)", async () => {
    const roomId = uniqueRoom("expired");
    const token = provider("gina", ["expired"], "Gina");
    const connection = tokenClient(token.get).connect({ rooms: [roomId], reconnectBaseDelayMs: 20 });
    cleanups.push(() => connection.close());

    await waitFor("live", () => connection.status === "live");

    expect(token.calls[0]).toBe("expired");
    expect(token.calls.length).toBeGreaterThanOrEqual(2);
  });
});

describe("a refused handshake (stand-ins: a WebSocket server, a scripted RestApi)", () => {
  const startServer = async (refuse: boolean) => {
    const urls: string[] = [];
    const server = new WebSocketServer({
      host: "127.0.0.1",
      port: 0,
      verifyClient: (info, done) => {
        urls.push(info.req.url ?? "");
        done(!refuse, 401);
      },
    });
    // An accepted socket is closed at once: the client reconnects.
    server.on("connection", (socket) => socket.close());
    await new Promise((resolve) => server.once("listening", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    return { wsUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, urls };
  };

  const api = (refusal: ChatError | undefined, tokens: string[]): RestApi & { refusals: number } => {
    let calls = 0;
    const stub = {
      refusals: 0,
      userId: undefined,
      username: undefined,
      socketAuth: {
        given: {},
        token: async () => tokens[calls++] ?? "later",
        refusal: async () => {
          stub.refusals++;
          return refusal;
        },
      },
      send: () => Promise.reject(new Error("not used")),
      history: async (roomId: string): Promise<GetMessagesResponse> => ({
        roomId,
        messages: [],
        hasMore: false,
      }),
      members: async () => [],
    };
    return stub;
  };

  it("puts a fresh token in each handshake's query, and no userId or username it was not given", async () => {
    const server = await startServer(false);
    const connection = new RealtimeConnection(
      api(undefined, ["t1", "t2", "t3"]),
      WebSocket,
      server.wsUrl,
      Math.random,
      {
        rooms: ["lobby"],
        reconnectBaseDelayMs: 10,
        reconnectMaxDelayMs: 20,
      },
    );
    cleanups.push(() => connection.close());

    await waitFor("three handshakes", () => server.urls.length >= 3);
    const queries = server.urls
      .slice(0, 3)
      .map((url) => Object.fromEntries(new URL(url, "ws://x").searchParams));

    expect(queries).toEqual([
      { roomId: "lobby", token: "t1" },
      { roomId: "lobby", token: "t2" },
      { roomId: "lobby", token: "t3" },
    ]);
  });

  it("stops with status closed and the 403 error when the API says the user is not allowed", async () => {
    const server = await startServer(true);
    const forbidden = new ChatApiError(403, { code: "forbidden", message: "Not a member" });
    const stub = api(forbidden, ["t1"]);
    const connection = new RealtimeConnection(stub, WebSocket, server.wsUrl, Math.random, {
      rooms: ["private"],
      reconnectBaseDelayMs: 10,
    });
    const errors: ChatError[] = [];
    connection.on("error", (error) => errors.push(error));

    await waitFor("closed", () => connection.status === "closed");
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(errors).toEqual([forbidden]);
    expect([server.urls.length, stub.refusals]).toEqual([1, 1]);
  });

  it("keeps reconnecting when the API finds nothing wrong (the handshake failed for another reason)", async () => {
    const server = await startServer(true);
    const stub = api(undefined, []);
    const connection = new RealtimeConnection(stub, WebSocket, server.wsUrl, Math.random, {
      rooms: ["flaky"],
      reconnectBaseDelayMs: 10,
      reconnectMaxDelayMs: 20,
    });
    cleanups.push(() => connection.close());

    await waitFor("three handshakes", () => server.urls.length >= 3);

    expect(connection.status).toBe("reconnecting");
    expect(stub.refusals).toBeGreaterThanOrEqual(2);
  });
});
