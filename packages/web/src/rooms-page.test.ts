import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevProcess, launchChromium, startDev } from "../test/dev-process";

// Everything is real: `pnpm dev` (local stack with `auth: none` + Vite with its /api and /ws proxies) and Debian's
// Chromium. Each person has their own browser context, so their own user id.
const artifacts = fileURLToPath(new URL("../test-results/", import.meta.url));
let dev: DevProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

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

const person = async (name: string): Promise<Page> => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (error) => problems.push(`${name} page error: ${error.message}`));
  page.on("dialog", (dialog) => {
    problems.push(`${name}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(dev.webUrl);
  await page.fill("#join-name", name);
  await page.fill("#join-room", "general");
  await page.click("#join-submit");
  await live(page);
  return page;
};

const live = (page: Page) => page.locator('#status[data-status="live"]').waitFor();
const userIdOf = async (page: Page) => (await page.locator("#me-id").textContent()) ?? "";
const title = async (page: Page) => (await page.locator("#room-title").textContent()) ?? "";
const roomShown = async (page: Page) =>
  (await page.locator("#room-title").getAttribute("data-room-id")) ?? "";
const say = async (page: Page, text: string) => {
  await page.fill("#message-input", text);
  await page.press("#message-input", "Enter");
};
const shows = (page: Page, text: string) =>
  page
    .locator('#messages [data-testid="message"][data-state="stored"] .text', { hasText: text })
    .first()
    .waitFor();
const texts = (page: Page) => page.locator('[data-testid="message"] .text').allTextContents();
const openRoom = async (page: Page, roomId: string) => {
  await page.fill("#room-input", roomId);
  await page.press("#room-input", "Enter");
};
const startDirect = async (page: Page, userId: string) => {
  await page.fill("#direct-user", userId);
  await page.click("#direct-submit");
};
const notice = (page: Page) => page.locator("#room-notice");
const screenshot = (page: Page, name: string) => page.screenshot({ path: `${artifacts}${name}.png` });

describe("rooms people belong to, on the chat page in Chromium", () => {
  let alice: Page;
  let bob: Page;
  let carol: Page;

  it("lets two people start a direct conversation and chat, which a third cannot open", async () => {
    [alice, bob, carol] = [await person("Alice"), await person("Bob"), await person("Carol")];
    const [aliceId, bobId] = [await userIdOf(alice), await userIdOf(bob)];

    await startDirect(alice, bobId);
    await alice.locator('#room-title[data-room-id^="dm-"]').waitFor();
    const dm = await roomShown(alice);
    await say(alice, "Hi Bob, just between us");
    await startDirect(bob, aliceId);
    await bob.locator(`#room-title[data-room-id="${dm}"]`).waitFor();
    await shows(bob, "Hi Bob, just between us");
    await say(bob, "Hi Alice, nobody else sees this");
    await shows(alice, "Hi Alice, nobody else sees this");

    await openRoom(carol, dm);
    await notice(carol)
      .filter({ hasText: `You may not read #${dm}` })
      .waitFor();

    // A direct room is titled after the other person, not its id: their name once they have opened it (Alice
    // had, for Bob), else their user id (Bob had not yet, when Alice's page read the members).
    await bob.locator("#room-title", { hasText: "Alice" }).waitFor();
    await expect.poll(() => title(alice)).not.toMatch(/^dm-/);
    expect(["Bob", bobId]).toContain(await title(alice));
    expect(await roomShown(bob)).toBe(dm);
    expect(await title(bob)).toBe("Alice");
    expect(await bob.locator(".leave-room").count()).toBe(0);
    expect(await texts(alice)).toEqual(["Hi Bob, just between us", "Hi Alice, nobody else sees this"]);
    expect(await texts(carol)).toEqual([]);
    expect(await carol.locator("#status").getAttribute("data-status")).toBe("live");
    expect(await carol.locator("#message-input").isDisabled()).toBe(true);
    expect(await notice(carol).isVisible()).toBe(true);
    // Both of them are members of the direct room, neither can remove the other.
    const roster = alice.locator('[data-testid="room-member"]');
    await roster.nth(1).waitFor();
    expect((await roster.locator(".role").allTextContents()).sort()).toEqual(["member", "member"]);
    expect(await alice.locator(".member-action").count()).toBe(0);
    await screenshot(carol, "carol-refused-direct");
  });

  it("lets a room's owner ban someone, whose page says so and shows nothing more of the room", async () => {
    const bobId = await userIdOf(bob);
    await alice.fill("#new-room-id", "townhall");
    await alice.fill("#new-room-name", "Town hall");
    await alice.selectOption("#new-room-kind", "public");
    await alice.click("#new-room-submit");
    await alice.locator("#room-title", { hasText: "townhall" }).waitFor();
    await openRoom(bob, "townhall");
    await bob.locator("#room-title", { hasText: "townhall" }).waitFor();
    await say(bob, "Hello town");
    await shows(alice, "Hello town");
    const bobRow = alice.locator(`[data-testid="room-member"][data-user-id="${bobId}"]`);
    await bobRow.waitFor();
    expect(await alice.locator('[data-testid="room-member"] .role').allTextContents()).toEqual(
      expect.arrayContaining(["owner", "member"]),
    );

    await bobRow.getByRole("button", { name: "Ban Bob from #townhall" }).click();
    await notice(bob).filter({ hasText: "You were banned from #townhall" }).waitFor();
    await bobRow.waitFor({ state: "detached" });
    await say(alice, "Now that Bob is gone");
    await shows(alice, "Now that Bob is gone");
    // Give the push time to reach Bob's page, were it (wrongly) still sent there.
    await alice.waitForTimeout(1_000);

    expect(await texts(bob)).toEqual([]);
    expect(await bob.locator('.room-button[data-followed="true"]', { hasText: "townhall" }).count()).toBe(0);
    expect(await bob.locator("#message-input").isDisabled()).toBe(true);
    expect(problems).toEqual([]);
    await screenshot(bob, "bob-banned");
    await screenshot(alice, "alice-owner");
  });

  it("lets a member leave a room with its Leave button, and tells the last owner why they cannot", async () => {
    const carolId = await userIdOf(carol);
    await openRoom(carol, "townhall");
    await carol.locator('#room-title[data-room-id="townhall"]').waitFor();
    await say(carol, "Carol was here");
    await shows(alice, "Carol was here");
    await carol.locator(`[data-testid="room-member"][data-user-id="${carolId}"] .leave-room`).click();
    await notice(carol).filter({ hasText: "You left #townhall" }).waitFor();
    await alice
      .locator(`[data-testid="room-member"][data-user-id="${carolId}"]`)
      .waitFor({ state: "detached" });

    const aliceId = await userIdOf(alice);
    await alice.locator(`[data-testid="room-member"][data-user-id="${aliceId}"] .leave-room`).click();
    await alice.locator("#roster-error", { hasText: "Could not leave #townhall" }).waitFor();
    expect(await roomShown(alice)).toBe("townhall");
    expect(await alice.locator("#message-input").isDisabled()).toBe(false);
  });

  it("shows a room's slow mode in its header", async () => {
    await alice.fill("#new-room-id", "slowroom");
    await alice.click("#new-room-submit");
    await alice.locator("#room-title", { hasText: "slowroom" }).waitFor();
    const patched = await fetch(`${dev.httpUrl}/rooms/slowroom`, {
      method: "PATCH",
      headers: { "content-type": "application/json", "x-user-id": await userIdOf(alice) },
      body: JSON.stringify({ slowModeSeconds: 30 }),
    });
    expect(patched.status).toBe(200);

    await openRoom(carol, "slowroom");
    await carol.locator("#room-title", { hasText: "slowroom" }).waitFor();
    const badge = carol.locator('[data-testid="slow-mode"]');
    await badge.waitFor();

    expect(await badge.textContent()).toBe("Slow mode: 30 s");
  });
});

describe("threads, unread badges and read receipts, on the chat page in Chromium", () => {
  let dora: Page;
  let eve: Page;
  const roomButton = (page: Page, roomId: string) => page.locator(".room-button", { hasText: roomId });
  const badge = (page: Page, roomId: string) => roomButton(page, roomId).locator('[data-testid="unread"]');

  it("shows an unread badge for a room not shown, clears it when opened, and keeps the count on the server", async () => {
    [dora, eve] = [await person("Dora"), await person("Eve")];
    await openRoom(dora, "newsdesk");
    await dora.locator("#room-title", { hasText: "newsdesk" }).waitFor();
    await say(dora, "Dora is on the desk");
    await shows(dora, "Dora is on the desk");
    await roomButton(dora, "general").click();
    await dora.locator("#room-title", { hasText: "general" }).waitFor();

    await openRoom(eve, "newsdesk");
    await eve.locator("#room-title", { hasText: "newsdesk" }).waitFor();
    await say(eve, "Breaking one");
    await say(eve, "Breaking two");
    await badge(dora, "newsdesk").filter({ hasText: "2" }).waitFor();
    await roomButton(dora, "newsdesk").click();
    await shows(dora, "Breaking two");
    await badge(dora, "newsdesk").waitFor({ state: "detached" });
    await roomButton(dora, "general").click();
    await dora.locator("#room-title", { hasText: "general" }).waitFor();
    await say(eve, "Breaking three");
    await badge(dora, "newsdesk").filter({ hasText: "1" }).waitFor();
    // A new page knows only what the server says: the opened room was marked read up to "Breaking two".
    await dora.reload();
    await live(dora);

    await badge(dora, "newsdesk").filter({ hasText: "1" }).waitFor();
    expect(await badge(dora, "newsdesk").textContent()).toBe("1");
    await screenshot(dora, "dora-unread-badge");
  });

  it("shows a reply in the thread panel of another page, and 'Seen by' under one's own last message", async () => {
    await openRoom(dora, "threads");
    await dora.locator("#room-title", { hasText: "threads" }).waitFor();
    await say(dora, "Who takes the late shift?");
    await shows(dora, "Who takes the late shift?");
    await openRoom(eve, "threads");
    await eve.locator("#room-title", { hasText: "threads" }).waitFor();
    await shows(eve, "Who takes the late shift?");
    const question = (page: Page) =>
      page.locator('#messages [data-testid="message"]', { hasText: "Who takes the late shift?" });
    await dora.locator('[data-testid="seen-by"]', { hasText: "Seen by Eve" }).waitFor();

    await question(dora).locator('[data-testid="thread-button"]').click();
    await dora.locator("#thread:not([hidden])").waitFor();
    await question(eve).locator('[data-testid="thread-button"]').click();
    await eve.fill("#thread-input", "I will take it");
    await eve.press("#thread-input", "Enter");

    await dora
      .locator('#thread-messages [data-testid="message"] .text', { hasText: "I will take it" })
      .waitFor();
    await question(dora).locator('[data-testid="thread-button"]', { hasText: "1 reply" }).waitFor();
    expect(await eve.locator("#thread-messages .text").allTextContents()).toEqual(["I will take it"]);
    expect(await dora.locator("#thread-parent").textContent()).toBe("Who takes the late shift?");
    expect(problems).toEqual([]);
    await screenshot(dora, "dora-thread");
  });
});
