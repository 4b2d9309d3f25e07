import { Resource } from "sst/resource";
import pkg from "../package.json" with { type: "json" };

/** Everything a handler is configured with, read in one place: SST `Resource` for the stage, env for logging. */
export const config = {
  version: pkg.version,
  get stage(): string {
    return Resource.App.stage;
  },
  logLevel: process.env.LOG_LEVEL ?? "info",
} as const;
