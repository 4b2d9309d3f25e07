import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { handlerModules } from "./routes";

// In a deployed bundle the logger, the metrics, ElectroDB and the document client are chunks loaded by
// `beforeFirstUse()` (see @chat/core's first-use.ts); a handler that used one without it would work here, unbundled,
// and fail on AWS with "Cannot find module". Every handler goes through an edge that awaits it, or awaits it itself.
const throughAnEdge = /export const handler = (http|socket|frames|streamRecords)\(/;
const awaitsItself = /export const handler = async[\s\S]*?\{\s*await beforeFirstUse\(\);/;

describe("every handler loads what its cold start deferred before it runs", () => {
  it.each(handlerModules)("%s", async (module) => {
    const source = await readFile(new URL(`./${module}.ts`, import.meta.url), "utf8");
    expect(throughAnEdge.test(source) || awaitsItself.test(source)).toBe(true);
  });
});
