import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevProcess, launchChromium, startDev } from "../test/dev-process";

// Everything is real: `pnpm dev` (local stack + Vite with its /api and /ws proxies) and Debian's Chromium.
const artifacts = fileURLToPath(new URL("../test-results/", import.meta.url));
let dev: DevProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];
const dialogs: string[] = [];
/** The chat WebSocket URLs each person's page opened, by name. */
const sockets = new Map<string, string[]>();

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  dev = await startDev();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  const code = await dev?.stop();
  if (code !== undefined && code !== 0) throw new Error(`pnpm dev exited with ${code}:\n${dev.output()}`);
});

/** A person: their own browser context (own localStorage), joined to a room under a name. */
const person = async (name: string, roomId: string): Promise<Page> => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on("dialog", (dialog) => {
    dialogs.push(`${name}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("pageerror", (error) => dialogs.push(`${name} page error: ${error.message}`));
  // What the page's Content-Security-Policy blocks shows up as console errors: there must be none.
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) dialogs.push(`${name} CSP: ${message.text()}`);
  });
  sockets.set(name, []);
  // Vite's own HMR socket is not the chat's.
  page.on("websocket", (socket) => {
    if (socket.url().includes("userId=")) sockets.get(name)?.push(socket.url());
  });
  await page.goto(dev.webUrl);
  await page.fill("#join-name", name);
  await page.fill("#join-room", roomId);
  await page.click("#join-submit");
  await live(page);
  return page;
};

const live = (page: Page) => page.locator('#status[data-status="live"]').waitFor();
const say = async (page: Page, text: string) => {
  await page.fill("#message-input", text);
  await page.press("#message-input", "Enter");
};
const texts = (page: Page) => page.locator('[data-testid="message"] .text').allTextContents();
const storedTexts = (page: Page) =>
  page.locator('[data-testid="message"][data-state="stored"] .text').allTextContents();
const shows = (page: Page, text: string) =>
  page.locator('[data-testid="message"][data-state="stored"] .text', { hasText: text }).first().waitFor();
const screenshot = (page: Page, name: string) => page.screenshot({ path: `${artifacts}${name}.png` });
const members = (page: Page) => page.locator('[data-testid="member"] .member-name').allTextContents();
const showsMember = (page: Page, name: string) =>
  page.locator('[data-testid="member"] .member-name', { hasText: name }).waitFor();
const typingLine = (page: Page) => page.locator("#typing");

describe("the chat page in Chromium", () => {
  // `pnpm dev` keeps its data in memory, so each run starts with empty rooms.
  const roomId = "lobby";
  const otherRoomId = "random";
  const hostile = "<img src=x onerror=alert(1)>";
  let alice: Page;
  let bob: Page;
  let carol: Page;

  it("lets two people in one room chat live", async () => {
    alice = await person("Alice", roomId);
    bob = await person("Bob", roomId);
    carol = await person("Carol", otherRoomId);
    await showsMember(alice, "Bob");
    await showsMember(bob, "Alice");

    await alice.locator("#message-input").pressSequentially("Hi Bob");
    await typingLine(bob).filter({ hasText: "Alice is typing…" }).waitFor();
    expect(await typingLine(alice).textContent()).toBe("");
    await say(alice, "Hi Bob! Welcome to the lobby.");
    await shows(bob, "Hi Bob! Welcome to the lobby.");
    await say(bob, "Hello Alice, good to see you here.\nHow are things?");
    await shows(alice, "How are things?");

    expect(await storedTexts(alice)).toEqual([
      "Hi Bob! Welcome to the lobby.",
      "Hello Alice, good to see you here.\nHow are things?",
    ]);
    expect(await storedTexts(bob)).toEqual(await storedTexts(alice));
    await expect(alice.locator("#room-title").textContent()).resolves.toBe(roomId);
    // The message ends the notice; the members are the lobby's two, each listing themselves first.
    expect(await typingLine(bob).textContent()).toBe("");
    expect(await members(alice)).toEqual(["Alice", "Bob"]);
    expect(await members(bob)).toEqual(["Bob", "Alice"]);
    expect(await members(carol)).toEqual(["Carol"]);
  });

  it("shows markup in a message as text, and never runs it", async () => {
    await say(alice, hostile);
    await shows(bob, hostile);
    await shows(alice, hostile);
    await say(bob, "Nice try 😄");
    await shows(alice, "Nice try");

    for (const page of [alice, bob]) {
      const message = page.locator('[data-testid="message"] .text', { hasText: hostile });
      expect(await message.isVisible()).toBe(true);
      expect(await message.textContent()).toBe(hostile);
      expect(await page.locator("#messages img").count()).toBe(0);
    }
    expect(dialogs).toEqual([]);
    // Typed slowly enough to outlast the 2 s between notices, so Bob's screenshot shows one.
    await alice.locator("#message-input").pressSequentially("Hang on, let me see", { delay: 150 });
    await typingLine(bob).filter({ hasText: "Alice is typing…" }).waitFor();
    await screenshot(alice, "alice");
    await screenshot(bob, "bob");
  });

  it("shows nothing of that room to someone in another room", async () => {
    await say(carol, "Anyone in here?");
    await shows(carol, "Anyone in here?");
    await say(alice, "Still only us two");
    await shows(bob, "Still only us two");

    expect(await texts(carol)).toEqual(["Anyone in here?"]);
    expect(await texts(alice)).not.toContain("Anyone in here?");
    expect(await texts(bob)).not.toContain("Anyone in here?");
    await screenshot(carol, "carol");
  });

  it("restores the room and its history on reload", async () => {
    const before = await storedTexts(alice);

    await alice.reload();
    await live(alice);
    await shows(alice, "Still only us two");

    expect(await storedTexts(alice)).toEqual(before);
    expect(before).toHaveLength(5);
    await expect(alice.locator("#room-title").textContent()).resolves.toBe(roomId);
    await expect(alice.locator("#me-name").textContent()).resolves.toBe("Alice");
    expect(await alice.locator("#messages img").count()).toBe(0);
    expect(dialogs).toEqual([]);
    await screenshot(alice, "alice-reloaded");
  });

  it("follows a second room on the same socket, counting what arrives there unseen", async () => {
    await bob.fill("#room-input", otherRoomId);
    await bob.press("#room-input", "Enter");
    await shows(bob, "Anyone in here?");
    await showsMember(bob, "Carol");
    await showsMember(carol, "Bob");
    await bob.locator(".room-button", { hasText: roomId }).click();
    await shows(bob, "Still only us two");

    await say(carol, "Bob, are you still there?");
    await bob.locator(".room-button", { hasText: otherRoomId }).locator(".unread").waitFor();
    const unread = await bob
      .locator(".room-button", { hasText: otherRoomId })
      .locator(".unread")
      .textContent();
    await bob.locator(".room-button", { hasText: otherRoomId }).click();
    await shows(bob, "Bob, are you still there?");

    expect(unread).toBe("1");
    expect(await storedTexts(bob)).toEqual(["Anyone in here?", "Bob, are you still there?"]);
    expect(await members(bob)).toEqual(["Bob", "Carol"]);
    expect(sockets.get("Bob")).toHaveLength(1);
    expect(dialogs).toEqual([]);
    await screenshot(bob, "bob-two-rooms");
  });

  it("runs under its Content-Security-Policy without breaking any of it", async () => {
    const policy = await alice.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");

    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(dialogs.filter((line) => line.includes("CSP:"))).toEqual([]);
  });

  it("opens on the default room when its URL ends in #% (no valid escape), instead of a blank page", async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));

    await page.goto(`${dev.webUrl}/#%`);
    await page.locator("#join").waitFor({ state: "visible" });

    expect(await page.inputValue("#join-room")).toBe("general");
    expect(errors).toEqual([]);
  });
});
