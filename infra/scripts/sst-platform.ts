// Makes sure `.sst/platform` (SST's component sources, its Pulumi packages and config.d.ts) exists for the installed
// SST version, running `sst install` offline when it does not. Fast when already installed; safe to run repeatedly.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { platformDir, repositoryRoot } from "../test/paths";

const sstVersion = (
  JSON.parse(readFileSync(join(repositoryRoot, "node_modules/sst/package.json"), "utf8")) as {
    version: string;
  }
).version;

const installed = (): boolean => {
  const versionFile = join(platformDir, "version");
  return (
    existsSync(versionFile) &&
    readFileSync(versionFile, "utf8").trim() === sstVersion &&
    existsSync(join(platformDir, "config.d.ts")) &&
    existsSync(join(platformDir, "node_modules/@pulumi/pulumi/package.json")) &&
    existsSync(join(platformDir, "node_modules/@pulumi/aws/package.json"))
  );
};

if (installed()) {
  console.log(`.sst/platform is installed for SST ${sstVersion}`);
} else {
  console.log(`installing .sst/platform for SST ${sstVersion} (sst install, offline flags)...`);
  const result = spawnSync("pnpm", ["exec", "sst", "install", "--stage", "offline"], {
    cwd: repositoryRoot,
    stdio: "inherit",
    env: {
      ...process.env,
      // Without these, sst downloads Pulumi and bun from the internet and reports telemetry.
      SST_SKIP_DEPENDENCY_CHECK: "1",
      NO_BUN: "1",
      SST_NO_BUN: "1",
      SST_TELEMETRY_DISABLED: "1",
      DO_NOT_TRACK: "1",
      AWS_EC2_METADATA_DISABLED: "true",
    },
  });
  if (result.status !== 0 || !installed()) {
    console.error("sst install did not produce .sst/platform");
    process.exit(1);
  }
}
