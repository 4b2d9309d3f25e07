import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { startHost } from "./lib/host";
import { progress } from "./lib/progress";
import { type Machine, machineLine, markdownTable, textTable } from "./lib/report";
import type { BenchContext, Row, Scenario } from "./lib/scenario";
import { storageEnvironment } from "./lib/storage";

// `pnpm bench [--smoke] [--only id,id]`: every scenario runs ours and a baseline interleaved in this one run, and
// the table compares them. `--smoke` runs each at a tiny size (CI runs it so the bench keeps working).

const scenarios = [
  "send-throughput",
  "e2e-latency",
  "fan-out",
  "broadcaster-concurrency",
  "big-room",
  "read-cost",
  "write-cost",
  "rooms-cost",
  "messages-live",
  "connect-storm",
  "cold-init",
] as const;

const { values } = parseArgs({
  options: { smoke: { type: "boolean", default: false }, only: { type: "string" } },
});
const only = values.only?.split(",").map((id) => id.trim());
const unknown = only?.filter((id) => !(scenarios as readonly string[]).includes(id)) ?? [];
if (unknown.length > 0) {
  console.error(`Unknown scenario(s): ${unknown.join(", ")}. Known: ${scenarios.join(", ")}`);
  process.exit(2);
}
const selected = scenarios.filter((id) => !only || only.includes(id));
const smoke = values.smoke ?? false;

// Node 20 is fine here (Lambda runs 22, see .nvmrc); without this every AWS SDK client says so.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const commit = () => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
};

const startLoad = loadavg()[0] ?? 0;
// The machine is shared: the 1-minute load average, sampled through the run, says how quiet it was.
const loadSamples: number[] = [];
const sampler = setInterval(() => loadSamples.push(loadavg()[0] ?? 0), 10_000);
sampler.unref();
const starting = progress("starting the local stack");
const stackHost = await startHost(new URL("./hosts/local-stack.ts", import.meta.url), {});
const rows: Row[] = [];
const notes: string[] = [];
const data: Record<string, unknown> = {};
try {
  const endpoints = await stackHost.call<{ httpUrl: string; wsUrl: string; dynamoEndpoint: string }>(
    "endpoints",
  );
  starting.done();
  const tableName = "chat-bench";
  // The baselines use the handlers' own storage modules, pointed at the stack's table.
  Object.assign(process.env, storageEnvironment(endpoints.dynamoEndpoint, tableName, "bench"));
  const context: BenchContext = {
    smoke,
    ...endpoints,
    tableName,
    sendToAll: (frame) => stackHost.call<number>("sendToAll", frame),
    progress,
  };
  for (const [index, id] of selected.entries()) {
    const { run } = (await import(`./scenarios/${id}.ts`)) as { run: Scenario };
    const result = await run({
      ...context,
      progress: (label) => progress(`[${index + 1}/${selected.length}] ${label}`),
    });
    rows.push(...result.rows);
    notes.push(...result.notes);
    data[id] = result.data;
  }
} finally {
  clearInterval(sampler);
  await stackHost.stop();
}

const machine: Machine = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? "unknown",
  loadAverage: {
    start: startLoad,
    end: loadavg()[0] ?? 0,
    mean: loadSamples.reduce((sum, load) => sum + load, 0) / Math.max(1, loadSamples.length),
    max: Math.max(startLoad, ...loadSamples),
  },
  commit: commit(),
  smoke,
};
const resultsDir = new URL(".", import.meta.url);
await writeFile(
  new URL("results.json", resultsDir),
  `${JSON.stringify({ machine, rows, notes, data }, null, 2)}\n`,
);
await writeFile(
  new URL("results.md", resultsDir),
  `${markdownTable(rows)}\n\n${machineLine(machine)}\n\n${notes.map((note) => `- ${note}`).join("\n")}\n`,
);
console.log(`\n${textTable(rows)}\n\n${machineLine(machine)}\n`);
for (const note of notes) console.log(`- ${note}`);
console.log("\nWrote bench/results.json and bench/results.md (the table for the README).");
