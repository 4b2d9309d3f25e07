import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ErrorResponse } from "@chat/types";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachWebSocketApi } from "./websocket-api";

// The WebSocket port alone, with no handlers: what its extra routes (the development issuer) may do to it.
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer();
  attachWebSocketApi(
    server,
    {},
    {
      authorizer: null,
      extraRoutes: (req) => {
        if (req.url === "/throws") throw new Error("a bug in development tooling");
        return false;
      },
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe("the WebSocket port's extra routes", () => {
  it("answer a thrown error with 500 internal, and the port keeps serving", async () => {
    const failed = await fetch(`${url}/throws`);
    const after = await fetch(`${url}/@connections/unknown`);

    expect(failed.status).toBe(500);
    expect(v.parse(ErrorResponse, await failed.json()).code).toBe("internal");
    expect(failed.headers.get("x-content-type-options")).toBe("nosniff");
    expect(after.status).toBe(410);
  });
});

describe("the authorizer's context", () => {
  it("reaches every later route of the connection ($disconnect too), as on API Gateway", async () => {
    const seen: { route: string; authorizer: unknown }[] = [];
    const record = (route: string) => async (event: { requestContext: object }) => {
      seen.push({ route, authorizer: (event.requestContext as { authorizer?: unknown }).authorizer });
      return { statusCode: 200 };
    };
    const withAuth = createServer();
    attachWebSocketApi(
      withAuth,
      { $connect: record("$connect"), $default: record("$default"), $disconnect: record("$disconnect") },
      {
        authorizer: async () => ({
          principalId: "ann",
          policyDocument: {
            Version: "2012-10-17",
            Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: "*" }],
          },
          context: { userId: "ann", name: "Ann", admin: true },
        }),
      },
    );
    await new Promise<void>((resolve) => withAuth.listen(0, "127.0.0.1", resolve));
    const { WebSocket } = await import("ws");
    const socket = new WebSocket(`ws://127.0.0.1:${(withAuth.address() as AddressInfo).port}/?token=t`);
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));

    socket.send(JSON.stringify({ type: "ping" }));
    await new Promise<void>((resolve) => {
      const check = () =>
        seen.some(({ route }) => route === "$default") ? resolve() : setTimeout(check, 10);
      check();
    });
    socket.terminate();
    await new Promise<void>((resolve) => {
      const check = () =>
        seen.some(({ route }) => route === "$disconnect") ? resolve() : setTimeout(check, 10);
      check();
    });
    await new Promise((resolve) => withAuth.close(resolve));

    const context = { principalId: "ann", userId: "ann", name: "Ann", admin: true };
    expect(seen).toEqual([
      { route: "$connect", authorizer: context },
      { route: "$default", authorizer: context },
      { route: "$disconnect", authorizer: context },
    ]);
  });
});

describe("the management API", () => {
  it("sends a connection's posts down its socket in the order they arrived, though an earlier body comes slower", async () => {
    const connected: string[] = [];
    const gateway = createServer();
    attachWebSocketApi(
      gateway,
      {
        $connect: async (event: { requestContext: { connectionId?: string } }) => {
          connected.push(event.requestContext.connectionId ?? "");
          return { statusCode: 200 };
        },
        $disconnect: async () => ({ statusCode: 200 }),
      },
      { authorizer: null },
    );
    await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
    const port = (gateway.address() as AddressInfo).port;
    const { WebSocket } = await import("ws");
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
    const frames: string[] = [];
    socket.on("message", (data) => frames.push(String(data)));
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    const path = `/@connections/${encodeURIComponent(connected[0] ?? "")}`;
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    // The first post's headers arrive, its body only after the second post was answered.
    const { request } = await import("node:http");
    const slow = request({ host: "127.0.0.1", port, path, method: "POST" });
    const slowAnswer = new Promise<number>((resolve) =>
      slow.on("response", (res) => resolve(res.statusCode ?? 0)),
    );
    slow.flushHeaders();
    slow.write('{"n":');
    await pause(100);
    const quick = fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", body: '{"n":2}' });
    await pause(200);
    slow.end("1}");
    const statuses = [await slowAnswer, (await quick).status];
    await pause(50);
    socket.terminate();
    await new Promise((resolve) => gateway.close(resolve));

    expect(statuses).toEqual([200, 200]);
    expect(frames).toEqual(['{"n":1}', '{"n":2}']);
  });
});
