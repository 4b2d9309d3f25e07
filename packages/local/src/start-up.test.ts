import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { ErrorResponse } from "@chat/types";
import { decodeJwt } from "jose";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

// `pnpm dev` as a developer runs it (tsx src/main.ts), on ports picked here so requests can start before it prints
// anything: the window between binding a port and being ready is what these tests are about.

/** A request that has no answer within this long counts as hung. */
const HUNG_MS = 5_000;
const localPackage = fileURLToPath(new URL("..", import.meta.url));

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });

/** One probe's outcome: refused (nothing listening yet), an HTTP status, `open` (a WebSocket) or hung. */
interface Answer {
  what: string;
  outcome: "refused" | "hung" | "open" | number;
  retryAfter?: string | null;
  nosniff?: string | null;
  code?: string;
}

const probeHttp = async (what: string, url: string, init: RequestInit = {}): Promise<Answer> => {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(HUNG_MS) });
    const text = await response.text();
    const parsed = v.safeParse(ErrorResponse, text.startsWith("{") ? JSON.parse(text) : null);
    return {
      what,
      outcome: response.status,
      retryAfter: response.headers.get("retry-after"),
      nosniff: response.headers.get("x-content-type-options"),
      ...(parsed.success && { code: parsed.output.code }),
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === "ECONNREFUSED") return { what, outcome: "refused" };
    if ((error as Error).name === "TimeoutError") return { what, outcome: "hung" };
    throw error;
  }
};

const probeSocket = (what: string, url: string): Promise<Answer> =>
  new Promise((resolve) => {
    const socket = new WebSocket(url, { handshakeTimeout: HUNG_MS });
    socket.once("open", () => {
      socket.close();
      resolve({ what, outcome: "open" });
    });
    socket.once("unexpected-response", (_, response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const body: unknown = JSON.parse(Buffer.concat(chunks).toString() || "null");
        const parsed = v.safeParse(ErrorResponse, body);
        resolve({
          what,
          outcome: response.statusCode ?? 0,
          retryAfter: String(response.headers["retry-after"] ?? ""),
          nosniff: String(response.headers["x-content-type-options"] ?? ""),
          ...(parsed.success && { code: parsed.output.code }),
        });
        socket.terminate();
      });
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") resolve({ what, outcome: "refused" });
      else if (/timed out/.test(error.message)) resolve({ what, outcome: "hung" });
    });
  });

let child: ChildProcess;
let output = "";
let exitCode: number | null | undefined;
let exited: Promise<void>;
const ports = { http: 0, ws: 0, web: 0 };
/** Everything the probes got, from the moment the process started until each got its real answer. */
const answers: Answer[] = [];

beforeAll(async () => {
  ports.http = await freePort();
  ports.ws = await freePort();
  ports.web = await freePort();
  child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: localPackage,
    env: {
      ...process.env,
      CHAT_HTTP_PORT: String(ports.http),
      CHAT_WS_PORT: String(ports.ws),
      CHAT_WEB_PORT: String(ports.web),
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  exited = new Promise((resolve) =>
    child.once("exit", (code) => {
      exitCode = code;
      resolve();
    }),
  );

  // Each probe repeats until it gets its real answer (or the process dies); polling then ends by itself.
  const poll = async (probe: () => Promise<Answer>, done: (answer: Answer) => boolean) => {
    const deadline = Date.now() + 80_000;
    while (exitCode === undefined && Date.now() < deadline) {
      const answer = await probe();
      answers.push(answer);
      if (done(answer) || answer.outcome === "hung") return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await Promise.all([
    poll(
      () => probeHttp("GET /health", `http://127.0.0.1:${ports.http}/health`),
      (answer) => answer.outcome === 200,
    ),
    poll(
      () =>
        probeSocket("handshake", `ws://127.0.0.1:${ports.ws}/?roomId=start-up&userId=early&username=Early`),
      (answer) => answer.outcome === "open",
    ),
    poll(
      () => probeHttp("issuer discovery", `http://127.0.0.1:${ports.ws}/.well-known/openid-configuration`),
      (answer) => answer.outcome === 200,
    ),
  ]);
  // The web page's port is bound last, once the stack is ready.
  await poll(
    () => probeHttp("web page", `http://127.0.0.1:${ports.web}/`),
    (answer) => answer.outcome === 200,
  );
}, 100_000);

afterAll(async () => {
  if (exitCode === undefined) child.kill("SIGTERM");
  await exited;
});

const devToken = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  fetch(`http://127.0.0.1:${ports.ws}/dev/token`, { method: "POST", headers, body });

describe("pnpm dev while it starts", () => {
  it("answers every request at once: 503 unavailable with retry-after until ready, then the real answer", () => {
    const hung = answers.filter((answer) => answer.outcome === "hung");
    const early = answers.filter((answer) => answer.outcome === 503);
    const wrong = answers.filter(
      (answer) => !["refused", "open", 200, 503].includes(answer.outcome as never),
    );

    expect(exitCode, output).toBeUndefined();
    expect(hung).toEqual([]);
    expect(wrong).toEqual([]);
    // The ports are bound before DynamoDB Local starts, so the start-up window is long enough to be seen.
    expect(new Set(early.map((answer) => answer.what))).toEqual(
      new Set(["GET /health", "handshake", "issuer discovery"]),
    );
    for (const answer of early) {
      expect(answer).toMatchObject({ code: "unavailable", nosniff: "nosniff" });
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
    const last = (what: string) => answers.filter((answer) => answer.what === what).at(-1)?.outcome;
    expect(last("GET /health")).toBe(200);
    expect(last("handshake")).toBe("open");
    expect(last("issuer discovery")).toBe(200);
    expect(last("web page")).toBe(200);
  });
});

describe("the development issuer of a running pnpm dev", () => {
  const json = { "content-type": "application/json" };
  const body = (fields: Record<string, unknown>) => JSON.stringify({ userId: "x", ...fields });

  it("refuses bad token requests with an ErrorResponse, and keeps running", async () => {
    const cases: [string, () => Promise<Response>, number, string][] = [
      [
        "an expiresIn that is no duration",
        () => devToken(body({ expiresIn: "bogus" })),
        400,
        "validation_failed",
      ],
      ["ten years", () => devToken(body({ expiresIn: "87600h" })), 400, "validation_failed"],
      [
        "24 h and a second, in seconds",
        () => devToken(body({ expiresIn: 86_401 })),
        400,
        "validation_failed",
      ],
      ["a negative expiresIn", () => devToken(body({ expiresIn: -5 })), 400, "validation_failed"],
      [
        "a name over 50 code points",
        () => devToken(body({ name: "é".repeat(51) })),
        400,
        "validation_failed",
      ],
      ["an empty name", () => devToken(body({ name: "" })), 400, "validation_failed"],
      ["admin that is not a boolean", () => devToken(body({ admin: "yes" })), 400, "validation_failed"],
      ["an unknown field", () => devToken(body({ role: "root" })), 400, "validation_failed"],
      ["a body that is not JSON", () => devToken("{oops"), 400, "invalid_json"],
      [
        "a text/plain body (a cross-site form needs no preflight for it)",
        () => devToken(body({}), { "content-type": "text/plain" }),
        400,
        "validation_failed",
      ],
      [
        "a request from a web page (it carries Origin)",
        () => devToken(body({}), { ...json, origin: "https://evil.example" }),
        403,
        "forbidden",
      ],
      ["a body over 16 KiB", () => devToken(body({ name: "x".repeat(20 * 1024) })), 413, "payload_too_large"],
    ];

    for (const [what, request, status, code] of cases) {
      const response = await request();
      const error = v.parse(ErrorResponse, await response.json());
      expect([what, response.status, error.code]).toEqual([what, status, code]);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }

    expect(exitCode, output).toBeUndefined();
    expect((await fetch(`http://127.0.0.1:${ports.http}/health`)).status).toBe(200);
    expect((await devToken(body({}))).status).toBe(200);
  });

  it("mints the name and chat_admin claims as given, for 30 minutes when asked", async () => {
    const response = await devToken(body({ name: "Xavier", admin: true, expiresIn: "30m" }));
    const { token } = (await response.json()) as { token: string };
    const claims = decodeJwt(token);

    expect(response.status).toBe(200);
    expect(claims).toMatchObject({ sub: "x", name: "Xavier", chat_admin: true });
    expect((claims.exp ?? 0) - Math.floor(Date.now() / 1000)).toBeGreaterThan(29 * 60);
    expect((claims.exp ?? 0) - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(30 * 60);
  });

  it("is out of reach of the web page's /ws proxy, which carries WebSocket upgrades only", async () => {
    const web = `http://127.0.0.1:${ports.web}`;

    const token = await fetch(`${web}/ws/dev/token`, { method: "POST", headers: json, body: body({}) });
    const discovery = await fetch(`${web}/ws/.well-known/openid-configuration`);
    const socket = await probeSocket(
      "proxied handshake",
      `ws://127.0.0.1:${ports.web}/ws/?userId=p&username=P`,
    );

    expect(token.status).toBe(404);
    expect(discovery.status).toBe(404);
    expect(socket.outcome).toBe("open");
    expect((await fetch(`${web}/api/health`)).status).toBe(200);
  });
});
