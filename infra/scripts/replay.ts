// `pnpm replay --stage <stage> [--dry-run]`: replays the broadcaster's failure queue of a deployed stage (README,
// Operations). The replay itself runs inside `sst shell`, which links it to the stage's resources.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { repositoryRoot } from "../test/paths";

const { values } = parseArgs({
  options: { stage: { type: "string" }, "dry-run": { type: "boolean", default: false } },
});
if (!values.stage) {
  console.error("Usage: pnpm replay --stage <stage> [--dry-run]");
  process.exit(2);
}
const result = spawnSync(
  "pnpm",
  [
    "exec",
    "sst",
    "shell",
    "--stage",
    values.stage,
    "--",
    "pnpm",
    "--filter",
    "@chat/functions",
    "exec",
    "tsx",
    "src/replay/main.ts",
    ...(values["dry-run"] ? ["--dry-run"] : []),
  ],
  { cwd: repositoryRoot, stdio: "inherit" },
);
process.exit(result.status ?? 1);
