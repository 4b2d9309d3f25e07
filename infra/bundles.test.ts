import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type HandlerModule, postsToConnections } from "@chat/functions/routes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaEnvironment } from "./sst-bundle";
import { type Bundle, bundleHandler, commonJsSdkInputs, handlerModules } from "./test/bundle";

/**
 * Size budgets of the deployed bundles, in KiB: measured (Nov 2026, esbuild 0.28, AWS SDK 3.1169) plus ~15%.
 * Handlers without storage (health, not-found, openapi, the authorizer) stay near 100 KiB because the packages are
 * free of import side effects; storage handlers carry ElectroDB and the DynamoDB document client (~750 KiB). A jump
 * past a budget means a new dependency came along. The rooms handlers measured 758–766 KiB; openapi grows with the
 * document it embeds (137 KiB with the rooms routes).
 */
const budgetsKiB: Record<HandlerModule, number> = {
  "http/health": 115,
  "http/list-rooms": 860,
  "http/send-message": 870,
  "http/get-messages": 865,
  "http/not-found": 115,
  "http/list-members": 865,
  "http/list-presence": 880,
  "http/create-room": 880,
  "http/get-room": 880,
  "http/update-room": 880,
  "http/open-direct": 880,
  "http/my-rooms": 880,
  "http/put-member": 880,
  "http/remove-member": 880,
  "http/list-bans": 880,
  "http/ban-user": 880,
  "http/unban-user": 880,
  "http/mute-user": 880,
  "http/unmute-user": 880,
  "http/openapi": 160,
  "ws/authorize": 130,
  "ws/connect": 885,
  "ws/disconnect": 875,
  "ws/default": 895,
  "stream/broadcast": 880,
};

// What each handler reads at import time, as Lambda provides it through its own links only: a handler that is not
// linked to the table (or the WebSocket API) must not need it to load.
const lambdaEnv = (module: HandlerModule) => ({
  PATH: process.env.PATH ?? "",
  ...lambdaEnvironment("bundle-test", module),
});

describe("the Lambda bundles, built as SST deploys them", () => {
  const bundles = new Map<HandlerModule, Bundle>();
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "chat-bundles-"));
    for (const module of handlerModules) bundles.set(module, await bundleHandler(module));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const bundleOf = (module: HandlerModule): Bundle => {
    const bundle = bundles.get(module);
    if (!bundle) throw new Error(`${module} was not bundled`);
    return bundle;
  };

  it("has a budget for every handler of the route table", () => {
    expect(Object.keys(budgetsKiB).sort()).toEqual([...handlerModules].sort());
  });

  it.each(handlerModules)("keeps %s within its size budget", (module) => {
    const { bytes } = bundleOf(module);
    expect(bytes / 1024, `${module}: ${(bytes / 1024).toFixed(1)} KiB`).toBeLessThanOrEqual(
      budgetsKiB[module],
    );
  });

  it.each(handlerModules)("bundles the AWS SDK's ES module build into %s", (module) => {
    // The SDK's CommonJS build require()s node:https, which an ESM bundle can only do through a shim.
    expect(commonJsSdkInputs(bundleOf(module))).toEqual([]);
  });

  // The logger and the metrics load pino and Powertools on first use, through a `require` esbuild must bundle: a
  // missing copy would only fail at the first log line on AWS, where no node_modules sit beside the bundle.
  it.each(handlerModules)("bundles pino and Powertools Metrics into %s, for their first use", (module) => {
    const inputs = Object.keys(bundleOf(module).metafile.inputs);
    expect(inputs.some((input) => /\/pino\/pino\.js$/.test(input))).toBe(true);
    expect(inputs.some((input) => /\/@aws-lambda-powertools\/metrics\//.test(input))).toBe(true);
  });

  it.each(handlerModules)("bundles ElectroDB into %s if it has entities, for their first use", (module) => {
    const inputs = Object.keys(bundleOf(module).metafile.inputs);
    const hasEntities = inputs.some((input) => input.endsWith("packages/core/src/entity.ts"));
    expect(inputs.some((input) => /\/electrodb\/index\.js$/.test(input))).toBe(hasEntities);
  });

  it("carries the WebSocket management client in exactly the handlers listed as posting to connections", () => {
    const carrying = handlerModules.filter((module) => bundleOf(module).code.includes("PostToConnection"));
    expect(carrying.sort()).toEqual([...postsToConnections].sort());
  });

  it.each(handlerModules)("imports %s in a fresh Node.js process and finds its handler", async (module) => {
    const file = join(dir, `${module.replace("/", "-")}.mjs`);
    await writeFile(file, bundleOf(module).code);
    const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});
process.stdout.write(typeof handler);`;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      env: lambdaEnv(module),
      encoding: "utf8",
    });
    // On a Node.js 20 machine the SDK warns on stderr that it will need Node.js 22 (what Lambda runs): not an error.
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe("function");
  });
});
