import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevProcess, launchChromium, startDev } from "../test/dev-process";

// Everything is real: `CHAT_AUTH=jwt pnpm dev` (local stack requiring tokens, its development issuer, Vite with the
// page's sign-in) and Debian's Chromium. The one stand-in: a test that breaks the sign-in answers it itself.
const artifacts = fileURLToPath(new URL("../test-results/", import.meta.url));
let dev: DevProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  dev = await startDev(60_000, { CHAT_AUTH: "jwt" });
  browser = await launchChromium();
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  const code = await dev?.stop();
  if (code !== undefined && code !== 0) throw new Error(`pnpm dev exited with ${code}:\n${dev.output()}`);
});

/** A person's own browser context, with the chat sockets it opens and the sign-ins it asks for recorded. */
const open = async (name: string) => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  contexts.push(context);
  const page = await context.newPage();
  const sockets: string[] = [];
  const signIns: number[] = [];
  page.on("pageerror", (error) => problems.push(`${name} page error: ${error.message}`));
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(`${name} CSP: ${message.text()}`);
  });
  // Vite's own HMR socket (which has a token of its own) is not the chat's.
  page.on("websocket", (socket) => {
    if (socket.url().includes("roomId=")) sockets.push(socket.url());
  });
  page.on("requestfinished", async (request) => {
    if (request.url().endsWith("/auth/dev-token")) signIns.push((await request.response())?.status() ?? 0);
  });
  return { page, sockets, signIns };
};

const join = async (page: Page, name: string, roomId: string) => {
  await page.goto(dev.webUrl);
  await page.fill("#join-name", name);
  await page.fill("#join-room", roomId);
  await page.click("#join-submit");
};

const live = (page: Page) => page.locator('#status[data-status="live"]').waitFor();
const say = async (page: Page, text: string) => {
  await page.fill("#message-input", text);
  await page.press("#message-input", "Enter");
};
const shows = (page: Page, text: string) =>
  page.locator('[data-testid="message"][data-state="stored"] .text', { hasText: text }).first().waitFor();

/** A real token from the stack's issuer, its audience rewritten: well-formed, but the API must refuse it. */
const tokenForAnotherAudience = async () => {
  const response = await fetch(`${dev.wsUrl.replace(/^ws/, "http")}/dev/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId: "mallory", name: "Mallory" }),
  });
  const { token } = (await response.json()) as { token: string };
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify({ ...claims, aud: "someone-else" })).toString("base64url");
  return [header, forged, signature].join(".");
};

describe("the chat page on a stack that requires tokens", () => {
  it("signs two people in through the development issuer, and they chat live", async () => {
    const alice = await open("Alice");
    const bob = await open("Bob");
    await join(alice.page, "Alice", "signed");
    await join(bob.page, "Bob", "signed");
    await Promise.all([live(alice.page), live(bob.page)]);

    await say(alice.page, "Signed in and live");
    await shows(bob.page, "Signed in and live");
    await say(bob.page, "Me too");
    await shows(alice.page, "Me too");
    await alice.page.screenshot({ path: `${artifacts}signed-in.png` });

    expect(await alice.page.locator("#join-submit").textContent()).toBe("Sign in and join");
    expect(alice.signIns[0]).toBe(200);
    expect(bob.signIns[0]).toBe(200);
    // The socket carries the token; the messages carry the names the tokens were minted with.
    expect(alice.sockets[0]).toMatch(/[?&]token=[\w-]+\.[\w-]+\.[\w-]+/);
    const authors = await bob.page.locator('[data-testid="message"] .author').allTextContents();
    expect(authors).toEqual(["Alice", "Bob"]);
    expect(problems).toEqual([]);
  });

  it("says plainly that the sign-in was refused, instead of reconnecting forever", async () => {
    const mallory = await open("Mallory");
    const forged = await tokenForAnotherAudience();
    await mallory.page.route("**/auth/dev-token", (route) =>
      route.fulfill({
        status: 200,
        contentType: "application/json",
        body: JSON.stringify({ token: forged }),
      }),
    );

    await join(mallory.page, "Mallory", "signed");
    await mallory.page.locator('#status[data-status="refused"]').waitFor();
    const handshakes = mallory.sockets.length;
    await mallory.page.waitForTimeout(2_000);
    await mallory.page.screenshot({ path: `${artifacts}sign-in-refused.png` });

    await expect(mallory.page.locator("#refused").textContent()).resolves.toMatch(
      /The chat refused your sign-in .*Sign in again/,
    );
    expect(await mallory.page.locator("#refused").isVisible()).toBe(true);
    expect(await mallory.page.locator("#status").textContent()).toBe("Signed out");
    expect(mallory.sockets.length).toBe(handshakes);
    expect(handshakes).toBeLessThanOrEqual(1);
  });
});

describe("the page's sign-in endpoint", () => {
  const signIn = (headers: Record<string, string>, body = { userId: "u1", name: "U" }) =>
    fetch(`${dev.webUrl}/auth/dev-token`, { method: "POST", headers, body: JSON.stringify(body) });

  it("mints a token for the page itself", async () => {
    const response = await signIn({ origin: dev.webUrl, "content-type": "application/json" });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { token: string }).token.split(".")).toHaveLength(3);
  });

  it("refuses other origins, requests without one, other content types and bad bodies", async () => {
    const statuses = [
      (await signIn({ origin: "http://evil.example", "content-type": "application/json" })).status,
      (await signIn({ "content-type": "application/json" })).status,
      (await signIn({ origin: dev.webUrl, "content-type": "text/plain" })).status,
      (
        await signIn(
          { origin: dev.webUrl, "content-type": "application/json" },
          { userId: "no spaces", name: "" },
        )
      ).status,
    ];

    expect(statuses).toEqual([403, 403, 400, 400]);
  });
});
