import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AppError } from "@chat/core/error";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logger } from "../observability";
import { moderate } from "./moderation";

// A real hook on loopback that never answers in time, and one that answers an unusable replacement.
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === "/slow") return void setTimeout(() => response.end('{"action":"allow"}'), 500);
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ action: "replace", text: "   " }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const request = { roomId: "r", userId: "u", text: "hello", parentId: null };

describe("moderate", () => {
  it("with onError reject, refuses a message whose hook times out (422 blocked)", async () => {
    const refused = await moderate(
      { url: `${url}/slow`, timeoutMs: 50, onError: "reject" },
      request,
      logger,
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({
      code: "blocked",
      details: [{ path: "text", message: "moderation is unavailable" }],
    });
  });

  it("treats a replacement that is not a valid message text as a failure (onError)", async () => {
    expect(
      await moderate({ url: `${url}/blank`, timeoutMs: 300, onError: "allow" }, request, logger),
    ).toEqual({
      text: "hello",
      replaced: false,
    });
    await expect(
      moderate({ url: `${url}/blank`, timeoutMs: 300, onError: "reject" }, request, logger),
    ).rejects.toThrow("refused by moderation");
  });
});
