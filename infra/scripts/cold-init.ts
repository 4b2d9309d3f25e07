// Measures cold init: the time a fresh Node.js process takes to import each bundled handler (what Lambda does on a
// cold start before the first invocation), median of 20 runs, next to a bundle that only creates a DynamoDBClient.
// A measurement, not a test: run with `pnpm --filter @chat/infra cold-init`.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Bundle, bundleBaseline, bundleHandler, handlerModules } from "../test/bundle";

const runs = Number(process.env.COLD_INIT_RUNS ?? 20);

// What the handlers read at import time, as Lambda would provide it (linked resources, region).
const lambdaEnv = {
  PATH: process.env.PATH ?? "",
  AWS_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
  SST_RESOURCE_App: JSON.stringify({ name: "chat", stage: "cold-init" }),
  SST_RESOURCE_Table: JSON.stringify({ name: "chat-cold-init-table", type: "sst.aws.Dynamo" }),
  SST_RESOURCE_Realtime: JSON.stringify({
    url: "wss://example.execute-api.us-east-1.amazonaws.com/$default",
    managementEndpoint: "https://example.execute-api.us-east-1.amazonaws.com/$default",
    type: "sst.aws.ApiGatewayWebSocket",
  }),
};

interface Sample {
  wallMs: number;
  cpuMs: number;
}

// Wall time is what a cold start waits; CPU time (all threads of the process) is what survives a busy machine.
const importOnce = (file: string): Sample => {
  const script = `const cpu = process.cpuUsage();
const started = performance.now();
const module = await import(${JSON.stringify(pathToFileURL(file).href)});
const wallMs = performance.now() - started;
const { user, system } = process.cpuUsage(cpu);
if (typeof module.handler !== "function") throw new Error("no handler export");
process.stdout.write(JSON.stringify({ wallMs, cpuMs: (user + system) / 1000 }));`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    env: lambdaEnv,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`importing ${file} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as Sample;
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const dir = await mkdtemp(join(tmpdir(), "chat-cold-init-"));
try {
  const bundles: [string, Bundle][] = [["baseline: DynamoDBClient only", await bundleBaseline()]];
  for (const module of handlerModules) bundles.push([module, await bundleHandler(module)]);

  const files = new Map<string, string>();
  for (const [name, bundle] of bundles) {
    const file = join(dir, `${name.replaceAll(/[^a-z0-9-]/gi, "_")}.mjs`);
    await writeFile(file, bundle.code);
    importOnce(file); // warm the file system cache: measure the import, not the disk
    files.set(name, file);
  }
  // Round-robin, so that a burst of load from elsewhere on the machine hits every bundle alike.
  const times = new Map<string, Sample[]>(bundles.map(([name]) => [name, []]));
  for (let run = 0; run < runs; run++) {
    for (const [name, file] of files) times.get(name)?.push(importOnce(file));
  }

  const [load] = loadavg();
  console.log(
    `Node ${process.version}, ${runs} fresh processes per bundle, load average ${load?.toFixed(1)}\n`,
  );
  const columns = ["size", "wall median", "wall min", "CPU median"];
  console.log(`${"bundle".padEnd(30)}${columns.map((column) => column.padStart(13)).join("")}`);
  const ms = (value: number) => `${value.toFixed(1)} ms`.padStart(13);
  for (const [name, bundle] of bundles) {
    const samples = times.get(name) ?? [];
    const wall = samples.map((sample) => sample.wallMs);
    const size = `${(bundle.bytes / 1024).toFixed(1)} KiB`.padStart(13);
    const cpu = median(samples.map((sample) => sample.cpuMs));
    console.log(`${name.padEnd(30)}${size}${ms(median(wall))}${ms(Math.min(...wall))}${ms(cpu)}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
