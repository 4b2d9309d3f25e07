import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createECDH, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PushPayload } from "@chat/types";
// @ts-expect-error http_ece ships no types
import ece from "http_ece";
import { importJWK, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "../test/clients";

// A fake push service on loopback over https, with a self-signed certificate made for this run: the stack runs as a
// child process that trusts it the standard Node way (NODE_EXTRA_CA_CERTS), never by skipping certificate checks.
// Each push's VAPID JWT is verified and its aes128gcm payload decrypted with the subscription's keys.
const dir = mkdtempSync(join(tmpdir(), "chat-push-"));
execFileSync("openssl", [
  "req",
  "-x509",
  "-newkey",
  "ec",
  "-pkeyopt",
  "ec_paramgen_curve:prime256v1",
  "-nodes",
  "-days",
  "1",
  "-subj",
  "/CN=127.0.0.1",
  "-addext",
  "subjectAltName=IP:127.0.0.1",
  "-keyout",
  join(dir, "key.pem"),
  "-out",
  join(dir, "cert.pem"),
]);

interface Browser {
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
  status: number;
}
const browsers = new Map<string, Browser>();
const pushes: { browser: string; payload: PushPayload }[] = [];
const problems: string[] = [];
let service: Server;
let origin: string;
let stack: ChildProcess;
let httpUrl = "";
let wsUrl = "";
let vapidPublicKey = "";

beforeAll(async () => {
  service = createServer(
    { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
    async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const name = (request.url ?? "").split("/").at(-1) ?? "";
      const browser = browsers.get(name);
      if (!browser) return void response.writeHead(404).end();
      try {
        const [, token, key] = /^vapid t=([^,]+), k=(.+)$/.exec(String(request.headers.authorization)) ?? [];
        if (key !== vapidPublicKey) throw new Error(`VAPID key ${key} is not the stack's`);
        const raw = Buffer.from(key, "base64url");
        const jwk = {
          kty: "EC",
          crv: "P-256",
          x: raw.subarray(1, 33).toString("base64url"),
          y: raw.subarray(33, 65).toString("base64url"),
        };
        const { payload: claims } = await jwtVerify(String(token), await importJWK(jwk, "ES256"), {
          audience: origin,
        });
        if (!String(claims.sub).startsWith("mailto:")) throw new Error("no VAPID subject");
        if (request.headers["content-encoding"] !== "aes128gcm") throw new Error("not aes128gcm");
        const plain = ece.decrypt(Buffer.concat(chunks), {
          version: "aes128gcm",
          privateKey: browser.ecdh,
          authSecret: browser.auth.toString("base64url"),
        }) as Buffer;
        if (browser.status < 300) pushes.push({ browser: name, payload: JSON.parse(plain.toString("utf8")) });
      } catch (error) {
        problems.push(String(error));
        return void response.writeHead(400).end();
      }
      response.writeHead(browser.status).end();
    },
  );
  await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
  origin = `https://127.0.0.1:${(service.address() as AddressInfo).port}`;

  stack = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./main.ts", import.meta.url))], {
    env: {
      ...process.env,
      NODE_EXTRA_CA_CERTS: join(dir, "cert.pem"),
      CHAT_HTTP_PORT: "0",
      CHAT_WS_PORT: "0",
      CHAT_WEB_PORT: "0",
      CHAT_PUSH_SUBJECT: "mailto:test@example.com",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    stack.once("exit", (code) => reject(new Error(`the stack exited (${code}): ${output}`)));
    stack.stdout?.on("data", (data) => {
      output += String(data);
      const http = /HTTP API\s+(\S+)/.exec(output);
      const ws = /WebSocket API\s+(ws:\/\/[^/\s]+)/.exec(output);
      if (http?.[1] && ws?.[1]) {
        httpUrl = http[1];
        wsUrl = ws[1];
        resolve();
      }
    });
  });
  const key = await fetch(`${httpUrl}/push/vapid-public-key`);
  vapidPublicKey = ((await key.json()) as { publicKey: string }).publicKey;
}, 90_000);

afterAll(async () => {
  if (stack && stack.exitCode === null) {
    const exited = new Promise((resolve) => stack.once("exit", resolve));
    stack.kill("SIGTERM");
    await exited;
  }
  service?.closeAllConnections();
  await new Promise((resolve) => service?.close(resolve));
});

const call = (method: string, path: string, userId: string, body?: object) =>
  fetch(`${httpUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", "x-user-id": userId, "x-user-name": userId },
    ...(body && { body: JSON.stringify(body) }),
  });

/** A browser of `userId` subscribed at the fake push service. */
const subscribe = async (userId: string, name: string, status = 201) => {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16);
  browsers.set(name, { ecdh, auth, status });
  const response = await call("PUT", `/me/push-subscriptions/${name}`, userId, {
    endpoint: `${origin}/push/${name}`,
    keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: auth.toString("base64url") },
  });
  expect(response.status).toBe(204);
};

const send = (roomId: string, userId: string, text: string) =>
  call("POST", `/rooms/${roomId}/messages`, userId, { userId, username: userId, text });

const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

describe("Web Push to members who are away", () => {
  it("serves the VAPID public key and refuses a subscription endpoint that is not https", async () => {
    expect(Buffer.from(vapidPublicKey, "base64url")).toHaveLength(65);
    const response = await call("PUT", "/me/push-subscriptions/x1", "someone", {
      endpoint: "http://127.0.0.1/push",
      keys: { p256dh: "BBBB", auth: "AAAA" },
    });
    expect(response.status).toBe(400);
  });

  it("pushes away members (decrypted payload), not connected ones nor the author, and coalesces a burst", async () => {
    const roomId = `push-${Date.now().toString(36)}`;
    expect((await call("POST", "/rooms", "ann", { roomId })).status).toBe(201);
    for (const userId of ["away1", "here1"]) {
      expect((await call("PUT", `/rooms/${roomId}/members/${userId}`, userId, {})).status).toBe(201);
    }
    await subscribe("away1", `away1-${roomId}`);
    await subscribe("here1", `here1-${roomId}`);
    await subscribe("ann", `ann-${roomId}`);
    const here = await connectClient(wsUrl, { roomId, userId: "here1", username: "here1" });

    const long = `${"ä".repeat(99)}😀 and more`;
    const started = Date.now();
    expect((await send(roomId, "ann", long)).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await send(roomId, "ann", `burst ${i}`)).status).toBe(201);
    await settle();

    expect(problems).toEqual([]);
    const mine = pushes.filter((push) => push.payload.roomId === roomId);
    expect(mine.map((push) => push.browser)).toEqual([`away1-${roomId}`]);
    expect(mine[0]?.payload).toMatchObject({ roomId, username: "ann", text: `${"ä".repeat(99)}😀` });
    console.log(`[push] delivered within ${Date.now() - started} ms of the first post (incl. 1.5 s settle)`);
    await here.close();
  });

  it("deletes a subscription whose endpoint answers 410", async () => {
    const roomId = `gone-${Date.now().toString(36)}`;
    expect((await call("POST", "/rooms", "gina", { roomId })).status).toBe(201);
    expect((await call("PUT", `/rooms/${roomId}/members/left1`, "left1", {})).status).toBe(201);
    await subscribe("left1", `left1-${roomId}`, 410);
    let hits = 0;
    service.prependListener("request", (request) => {
      if (request.url?.endsWith(`left1-${roomId}`)) hits++;
    });
    expect((await send(roomId, "gina", "first")).status).toBe(201);
    await settle();
    expect(hits).toBe(1);
    // A second room, so the 30 s slot does not hide the answer: the subscription is gone, nothing is sent.
    const other = `${roomId}-b`;
    expect((await call("POST", "/rooms", "gina", { roomId: other })).status).toBe(201);
    expect((await call("PUT", `/rooms/${other}/members/left1`, "left1", {})).status).toBe(201);
    expect((await send(other, "gina", "second")).status).toBe(201);
    await settle();
    expect(hits).toBe(1);
  });
});
