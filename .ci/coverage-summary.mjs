// Prints one line of coverage per package, from the json-summary each package's vitest run writes (see its
// vitest.config.ts, where the thresholds are), after `pnpm test`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const packagesDir = join(import.meta.dirname, "..", "packages");
const rows = readdirSync(packagesDir)
  .map((name) => ({ name, file: join(packagesDir, name, "coverage", "coverage-summary.json") }))
  .filter(({ file }) => existsSync(file))
  .map(({ name, file }) => {
    const { total } = JSON.parse(readFileSync(file, "utf8"));
    const cell = (pct) => `${pct.toFixed(1)}%`.padStart(9);
    const cells = [total.lines, total.statements, total.branches, total.functions].map(({ pct }) =>
      cell(pct),
    );
    return `${`@chat/${name}`.padEnd(16)}${cells.join("")}`;
  });

if (rows.length === 0) {
  console.error("no coverage summaries found: run `pnpm test` first");
  process.exit(1);
}
console.log(
  `${"package".padEnd(16)}${["lines", "stmts", "branches", "funcs"].map((h) => h.padStart(9)).join("")}`,
);
for (const row of rows) console.log(row);
