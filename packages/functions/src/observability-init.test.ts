import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = fileURLToPath(new URL(".", import.meta.url));

// A fresh Node.js process, so that nothing else has loaded pino or Powertools before the module under test is imported.
const script = `
import { createRequire } from "node:module";
const cache = createRequire(import.meta.url).cache;
const loaded = (pattern) => Object.keys(cache).some((file) => pattern.test(file.replaceAll("\\\\", "/")));
const state = () => ({ pino: loaded(/\\/pino\\/pino\\.js$/), powertools: loaded(/\\/@aws-lambda-powertools\\/metrics\\//) });
const { flushMetrics, logger, metrics, MetricUnit } = await import("./observability.ts");
flushMetrics();
const atImport = state();
logger.child({ requestId: "r1" }).info({ probe: true }, "first line");
const afterLog = state();
metrics.addMetric("Probe", MetricUnit.Count, 1);
flushMetrics();
console.log(JSON.stringify({ atImport, afterLog, afterMetric: state() }));
`;

const runScript = async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: here,
    env: {
      ...process.env,
      LOG_LEVEL: "info",
      POWERTOOLS_METRICS_DISABLED: "false",
      SST_RESOURCE_App: JSON.stringify({ name: "chat", stage: "test" }),
    },
  });
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
};

describe("the logger and the metrics", () => {
  it("load pino and Powertools on their first use, not at import, then write JSON lines and EMF", async () => {
    const lines = await runScript();

    expect(lines.at(-1)).toEqual({
      atImport: { pino: false, powertools: false },
      afterLog: { pino: true, powertools: false },
      afterMetric: { pino: true, powertools: true },
    });
    expect(lines[0]).toMatchObject({
      level: "info",
      service: "chat",
      requestId: "r1",
      probe: true,
      msg: "first line",
    });
    const emf = lines.find((line) => "_aws" in line);
    expect(emf).toMatchObject({ Probe: 1, Stage: "test" });
  }, 30_000);
});
