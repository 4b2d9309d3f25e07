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
