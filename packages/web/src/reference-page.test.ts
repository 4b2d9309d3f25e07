import { httpRoutes } from "@chat/functions/routes";
import * as Types from "@chat/types";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevProcess, launchChromium, startDev } from "../test/dev-process";

// Everything is real: `pnpm dev` (the reference page rendered by Redoc from the committed OpenAPI document) and
// Debian's Chromium.
let dev: DevProcess;
let browser: Browser;

beforeAll(async () => {
  dev = await startDev();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  const code = await dev?.stop();
  if (code !== undefined && code !== 0) throw new Error(`pnpm dev exited with ${code}:\n${dev.output()}`);
});

/** Every HTTP route of the route table as `GET /rooms`, the catch-all left out. */
const routes = Object.keys(httpRoutes).filter((routeKey) => routeKey !== "$default");

/** A page on the reference, with every request it makes and every problem it reports recorded. */
const open = async () => {
  const page = await browser.newPage();
  const requests: { url: string; failure: string | null }[] = [];
  const problems: string[] = [];
  page.on("requestfinished", (request) => requests.push({ url: request.url(), failure: null }));
  page.on("requestfailed", (request) =>
    requests.push({ url: request.url(), failure: request.failure()?.errorText ?? "failed" }),
  );
  page.on("pageerror", (error) => problems.push(error.message));
  return { page, requests, problems };
};

/** The `METHOD /path` of every operation the reference lists under a tag, its whole list shown. */
const operationsOfTag = async (page: Page, tag: string) => {
  await page.goto(`${dev.referenceUrl}#/${tag}`);
  const section = page.locator(`a[href^="#/${tag}/"]`);
  await section.first().waitFor();
  const more = page.getByText(/^Show \d+ more/);
  if (await more.count()) await more.first().click();
  const texts = await page.locator(`a[href^="#/${tag}/"]`).allTextContents();
  return texts.flatMap((text) => {
    const match = /^(get|post|put|patch|delete)(\/\S*)$/.exec(text.trim());
    return match ? [`${match[1]?.toUpperCase()} ${match[2]}`] : [];
  });
};

describe("the API reference page", () => {
  it("is printed by pnpm dev and lists every route of the route table", async () => {
    const { page, problems } = await open();
    const tags = [...new Set(routes.map((routeKey) => routeKey.split(" ")[1]?.split("/")[1] ?? ""))];

    const found = new Set<string>();
    for (const tag of tags) for (const operation of await operationsOfTag(page, tag)) found.add(operation);

    expect(dev.referenceUrl).toBe(`${dev.webUrl}/reference`);
    expect(routes.filter((routeKey) => !found.has(routeKey))).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows the WebSocket handshake, every client and server frame, and this stack's HTTP API", async () => {
    const { page } = await open();
    const frameTypes = (union: { options: { entries: { type: { literal: string } } }[] }) =>
      union.options.map((frame) => frame.entries.type.literal);

    await page.goto(dev.referenceUrl);
    await page.getByRole("heading", { name: "WebSocket API" }).first().waitFor();
    const headings = await page.locator("h4").allTextContents();

    for (const type of [...frameTypes(Types.ClientFrame), ...frameTypes(Types.ServerFrame)]) {
      expect(headings.map((heading) => heading.trim())).toContain(type);
    }
    const text = await page.locator("body").textContent();
    expect(text).toContain("Frames from the server");
    // The local server it names is this stack's HTTP API, whatever its port.
    expect(text).toContain(dev.httpUrl);
    await page.close();
  });

  it("loads Redoc from the page itself: nothing is fetched from another origin", async () => {
    const { page, requests } = await open();

    const response = await page.goto(dev.referenceUrl);
    await page.getByRole("heading", { name: "WebSocket API" }).first().waitFor();
    await page.waitForLoadState("networkidle");

    expect(response?.headers()["content-security-policy"]).toMatch(/default-src 'none'/);
    const origin = new URL(dev.referenceUrl).origin;
    // Redoc's attribution logo points at its CDN; the page's policy refuses it before it reaches the network.
    const elsewhere = requests.filter(({ url }) => !url.startsWith(origin) && !url.startsWith("data:"));
    expect(elsewhere.filter(({ failure }) => failure !== "csp")).toEqual([]);
    expect(requests.some(({ url, failure }) => url.startsWith(origin) && failure === null)).toBe(true);
    await page.close();
  });
});
