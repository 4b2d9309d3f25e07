import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = fileURLToPath(new URL(".", import.meta.url));

// A fresh Node.js process, so that nothing else has loaded pino before the module under test is imported.
const script = `
import { createRequire } from "node:module";
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((file) => /[\\\\/]pino[\\\\/]pino\\.js$/.test(file));
const { logger } = await import("./observability.ts");
const atImport = loaded();
logger.child({ requestId: "r1" }).info({ probe: true }, "first line");
console.log(JSON.stringify({ atImport, afterFirstUse: loaded() }));
`;

describe("the logger", () => {
  it("loads pino on its first use, not at import, and then writes JSON lines", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: here,
      env: {
        ...process.env,
        LOG_LEVEL: "info",
        SST_RESOURCE_App: JSON.stringify({ name: "chat", stage: "test" }),
      },
    });

    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)).toEqual({ atImport: false, afterFirstUse: true });
    expect(lines[0]).toMatchObject({
      level: "info",
      service: "chat",
      requestId: "r1",
      probe: true,
      msg: "first line",
    });
  }, 30_000);
});
