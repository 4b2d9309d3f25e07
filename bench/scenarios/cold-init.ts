import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { handlerModules } from "@chat/functions/routes";
import { lambdaEnvironment } from "@chat/infra/sst-bundle";
import { type Bundle, bundleClientOnly, bundleHandler, bundleParts } from "../bundles";
import { type BenchContext, ms, type Row, type ScenarioResult, times } from "../lib/scenario";
import { round, summarize } from "../lib/stats";

const run$ = promisify(execFile);

// What Lambda's Node runtime gives a function: a region, credentials in the environment, and (SST) its links.
const environment = lambdaEnvironment("bench");

// Module evaluation only, as Lambda's init phase runs it: Node's own start-up is the same for every bundle. The CPU
// time of the import is printed too: on a machine shared with other work it moves less than the elapsed time.
const probe =
  "const c = process.cpuUsage(); const t = performance.now(); await import(process.argv[1]); " +
  "const u = process.cpuUsage(c); console.log(performance.now() - t, (u.user + u.system) / 1000);";

// The Node.js that imports the bundles: this one, or `CHAT_BENCH_NODE` (a path), e.g. a Node 22 like Lambda's
// `nodejs22.x` (`npm i node@22` puts one in node_modules/node/bin/node).
const node = process.env.CHAT_BENCH_NODE ?? process.execPath;

const importTime = async (file: string): Promise<{ ms: number; cpuMs: number }> => {
  const { stdout } = await run$(node, ["--input-type=module", "-e", probe, file], {
    env: environment,
  });
  const [ms, cpuMs] = (stdout.trim().split("\n").at(-1) ?? "").split(" ").map(Number);
  if (!Number.isFinite(ms) || !Number.isFinite(cpuMs)) throw new Error(`could not time ${file}: ${stdout}`);
  return { ms: ms as number, cpuMs: cpuMs as number };
};

/**
 * Every handler of the route table bundled as SST bundles it, then imported in a fresh Node process, again and
 * again, in turn with a bundle that only creates a DynamoDB client (the least a function of this table imports).
 */
export const run = async (context: BenchContext): Promise<ScenarioResult> => {
  const runs = context.smoke ? 3 : 20;
  const { stdout: version } = await run$(node, ["--version"]);
  const progress = context.progress("bundling the handlers");
  const handlers = handlerModules;
  const outDir = await mkdtemp(join(tmpdir(), "chat-bench-bundles-"));
  try {
    const baseline = await bundleClientOnly(outDir);
    const bundles: Bundle[] = [];
    for (const handler of handlers) bundles.push(await bundleHandler(handler, outDir));
    const parts = await bundleParts(outDir);
    const all = [baseline, ...bundles, ...parts];
    const samples = new Map<string, number[]>(all.map((b) => [b.name, []]));
    const cpuSamples = new Map<string, number[]>(all.map((b) => [b.name, []]));
    for (let i = 0; i < runs; i++) {
      // Rotating the order puts the baseline at every position in turn.
      for (let j = 0; j < all.length; j++) {
        const bundle = all[(i + j) % all.length];
        if (!bundle) continue;
        const { ms, cpuMs } = await importTime(bundle.file);
        samples.get(bundle.name)?.push(ms);
        cpuSamples.get(bundle.name)?.push(cpuMs);
      }
      progress.update(`cold init: import ${i + 1}/${runs} of ${all.length} bundles`);
    }
    progress.done();
    const base = summarize(samples.get(baseline.name) ?? []);
    const baseCpu = summarize(cpuSamples.get(baseline.name) ?? []);
    const gzip = async (file: string) => gzipSync(await readFile(file)).length;
    const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
    const baseGzip = await gzip(baseline.file);
    const rows: Row[] = [];
    const data: Record<string, unknown> = {
      runs,
      node: version.trim(),
      baseline: { bytes: baseline.bytes, gzipBytes: baseGzip, ms: base, cpuMs: baseCpu },
    };
    for (const bundle of [...bundles, ...parts]) {
      const time = summarize(samples.get(bundle.name) ?? []);
      const cpu = summarize(cpuSamples.get(bundle.name) ?? []);
      const ratio = time.median / base.median;
      const cpuRatio = cpu.median / baseCpu.median;
      const gzipBytes = await gzip(bundle.file);
      const part = parts.includes(bundle);
      rows.push({
        scenario: `cold init, bundle: ${bundle.name}`,
        ours: `p50 ${ms(time.median)} (CPU ${ms(cpu.median)}), p99 ${ms(time.p99)}; ${kb(bundle.bytes)} (${kb(gzipBytes)} gzip)`,
        baseline: `p50 ${ms(base.median)} (CPU ${ms(baseCpu.median)}), p99 ${ms(base.p99)}; ${kb(baseline.bytes)} (${kb(baseGzip)} gzip)`,
        ratio: `${times(ratio)} (CPU ${times(cpuRatio)}); ${times(bundle.bytes / baseline.bytes)} the size`,
        target: part ? "where the time goes" : "init <= 1.5x; size: report",
        met: part ? null : ratio <= 1.5,
      });
      data[bundle.name] = {
        bytes: bundle.bytes,
        gzipBytes,
        ms: { median: round(time.median), p99: round(time.p99) },
        cpuMs: { median: round(cpu.median), p99: round(cpu.p99) },
        ratio: round(ratio, 2),
        cpuRatio: round(cpuRatio, 2),
      };
    }
    return {
      rows,
      data,
      notes: [
        "cold init: each handler bundled with esbuild as infra/handler.ts has SST bundle it (ESM, minified, names not kept, platform " +
          `node, target node22, mainFields module,main, SST's banner), imported in a fresh Node ${version.trim()} process with ` +
          `a Lambda-like environment; the time of the import() alone (elapsed, and the process's CPU time in ` +
          `brackets); ${runs} imports per bundle, rotating the ` +
          "order; baseline = a bundle that only creates a DynamoDBClient. Bundle size: the same files. The " +
          '"part" rows are pieces of a storage handler bundled alone, timed in the same rotation. ElectroDB, the ' +
          "document client, pino and Powertools are chunks loaded before a handler's first invocation (the edges' " +
          "beforeFirstUse()), not at init: a storage handler's cold start is its init plus the \"first invocation's " +
          'loads" part, the size is what its init reads (entry and static chunks).',
      ],
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
};
