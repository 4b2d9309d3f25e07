import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { httpEvent, socketEvent } from "../test/events";

const SECRET = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl";

/**
 * Runs `lines` against the real `logger` of `observability.ts` in a fresh Node.js process and returns what it wrote
 * to stdout: exactly what Lambda would ship to CloudWatch Logs.
 */
const loggedBy = (lines: string, values: Record<string, unknown>): string => {
  const module = fileURLToPath(new URL("./observability.ts", import.meta.url));
  const script = `const { logger } = await import(${JSON.stringify(module)});
const values = ${JSON.stringify(values)};
${lines}`;
  const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    env: { ...process.env, LOG_LEVEL: "info" },
    encoding: "utf8",
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
};

describe("the logger", () => {
  it("never writes a token: authorization headers, cookies, the handshake's ?token= and token fields", () => {
    const http = httpEvent({ routeKey: "GET /rooms", path: "/rooms" });
    http.headers.authorization = `Bearer ${SECRET}`;
    http.cookies = [`session=${SECRET}`];
    const connect = socketEvent("$connect", "c-1");
    const handshake = {
      ...connect,
      headers: { Authorization: `Bearer ${SECRET}`, Cookie: `session=${SECRET}` },
      queryStringParameters: { roomId: "general", token: SECRET },
      multiValueQueryStringParameters: { roomId: ["general"], token: [SECRET] },
    };

    const output = loggedBy(
      `logger.info({ event: values.http }, "http event");
logger.child({ requestId: "r-1" }).info({ event: values.handshake }, "socket event");
logger.warn({ token: values.secret, userId: "u-1" }, "token field");
logger.info(values.handshake, "the event itself");
const err = Object.assign(new Error("request failed"), { request: { headers: { authorization: "Bearer " + values.secret } } });
logger.error({ err }, "nested in an error");`,
      { http, handshake, secret: SECRET },
    );

    const lines = output
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.msg)).toEqual([
      "http event",
      "socket event",
      "token field",
      "the event itself",
      "nested in an error",
    ]);
    expect(output).not.toContain(SECRET);
    expect(output.split('"[redacted]"').length - 1).toBe(12);
    // Everything else is still there to debug with.
    expect(lines[0]).toMatchObject({ event: { rawPath: "/rooms", headers: { host: "api.example.com" } } });
    expect(lines[2]).toMatchObject({ userId: "u-1", token: "[redacted]" });
    expect(lines[3]).toMatchObject({ queryStringParameters: { roomId: "general", token: "[redacted]" } });
  });
});
