import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: where `sst.config.ts` lives and SST runs. */
export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** What `sst install` writes: SST's component sources and the Pulumi packages they import. */
export const platformDir = join(repositoryRoot, ".sst/platform");
