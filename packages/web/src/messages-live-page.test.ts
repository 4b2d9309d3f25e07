import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevProcess, launchChromium, startDev } from "../test/dev-process";

// Everything is real: `pnpm dev` (local stack + Vite with its /api and /ws proxies) and Debian's Chromium. Two people
// in one room: what one edits, deletes or reacts to changes live on the other's page, through the stream.
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

const person = async (name: string, roomId: string): Promise<Page> => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on("dialog", (dialog) => {
    problems.push(`${name}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("pageerror", (error) => problems.push(`${name} page error: ${error.message}`));
  await page.goto(dev.webUrl);
  await page.fill("#join-name", name);
  await page.fill("#join-room", roomId);
  await page.click("#join-submit");
  await page.locator('#status[data-status="live"]').waitFor();
  return page;
};

const say = async (page: Page, text: string) => {
  await page.fill("#message-input", text);
  await page.press("#message-input", "Enter");
};
const stored = (page: Page, text: string) =>
  page.locator('[data-testid="message"][data-state="stored"]', {
    has: page.locator(".text", { hasText: text }),
  });

describe("messages that live, on the chat page in Chromium", () => {
  const roomId = "lives";
  let alice: Page;
  let bob: Page;

  it("shows one person's edit and delete live on the other's page", async () => {
    alice = await person("alice", roomId);
    bob = await person("bob", roomId);
    await say(alice, "helo everyone");
    // Two sends in flight at once may be stored in either order: the second waits for the first.
    await stored(bob, "helo everyone").waitFor();
    await say(alice, "a message to take back");
    await stored(bob, "a message to take back").waitFor();

    await stored(alice, "helo everyone").locator(".edit-action").click();
    await alice.fill(".edit-input", "hello everyone");
    await alice.press(".edit-input", "Enter");
    const edited = stored(bob, "hello everyone");
    await edited.locator(".edited").waitFor();
    await stored(alice, "a message to take back").locator(".delete-action").click();
    await bob.locator(".message.deleted .text", { hasText: "message deleted" }).waitFor();

    expect(await edited.locator(".edited").textContent()).toBe("(edited)");
    expect(await bob.locator('[data-testid="message"] .text').allTextContents()).toEqual([
      "hello everyone",
      "message deleted",
    ]);
    // Bob may not edit or delete Alice's messages: no such buttons on his page.
    expect(await stored(bob, "hello everyone").locator(".edit-action").count()).toBe(0);
    expect(await stored(bob, "hello everyone").locator(".delete-action").isVisible()).toBe(false);
    await bob.screenshot({ path: `${artifacts}lives-edited-deleted.png` });
  });

  it("shows a reaction added on one page on the other, and takes it back with a click on its chip", async () => {
    const message = stored(bob, "hello everyone");
    await message.locator(".add-reaction").click();
    await message.locator('.pick[data-emoji="🎉"]').click();
    const chipOnAlice = stored(alice, "hello everyone").locator('.reaction[data-emoji="🎉"]');
    await chipOnAlice.waitFor();
    expect(await chipOnAlice.textContent()).toBe("🎉 1");

    await chipOnAlice.click();
    await stored(bob, "hello everyone").locator('.reaction[data-emoji="🎉"]', { hasText: "🎉 2" }).waitFor();
    await stored(bob, "hello everyone").locator('.reaction[data-emoji="🎉"]').click();
    await stored(alice, "hello everyone")
      .locator('.reaction[data-emoji="🎉"]', { hasText: "🎉 1" })
      .waitFor();

    expect(
      await stored(alice, "hello everyone").locator('.reaction[data-emoji="🎉"]').getAttribute("class"),
    ).toBe("reaction reacted");
    await alice.screenshot({ path: `${artifacts}lives-reactions.png` });
    expect(problems).toEqual([]);
  });
});
