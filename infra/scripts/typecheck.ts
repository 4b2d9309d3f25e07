// Type-checks sst.config.ts and infra/ with the house compiler settings. SST's platform is TypeScript source
// (.sst/platform/src), written for looser settings (no exactOptionalPropertyTypes, no noUncheckedIndexedAccess),
// and skipLibCheck does not cover .ts files: its diagnostics are counted and set aside, every other one fails.
import { spawnSync } from "node:child_process";

const result = spawnSync("tsc", ["-p", ".", "--pretty", "false"], { encoding: "utf8", shell: false });
if (result.error) throw result.error;

const header = /^(.+?)\(\d+,\d+\): error TS\d+:/;
const ours: string[] = [];
let platformErrors = 0;
let keep = false;
for (const line of result.stdout.split("\n")) {
  const match = header.exec(line);
  if (match) {
    keep = !(match[1] ?? "").replaceAll("\\", "/").startsWith("../.sst/");
    if (!keep) platformErrors++;
  } else if (/^error TS\d+:/.test(line)) {
    keep = true;
  }
  if (keep && line) ours.push(line);
}

if (ours.length > 0 || (result.status !== 0 && platformErrors === 0)) {
  console.error([...ours, result.stderr].filter(Boolean).join("\n"));
  process.exit(1);
}
console.log(
  `sst.config.ts and infra/ type-check (${platformErrors} diagnostics inside SST's own sources set aside)`,
);
