import { type ResourceName, Resources } from "@chat/core/resources";
import { Resource } from "sst/resource";
import * as v from "valibot";
import pkg from "../package.json" with { type: "json" };
import { defaultSettings, Settings } from "./settings";

// `@chat/core/resources` names the resources infra creates; SST types `Resource` from what infra created
// (sst-env.d.ts). A name changed on one side only fails here, at type-check time, not in a handler at run time.
Resources satisfies { readonly [Name in ResourceName]: keyof typeof Resource };

let settings: Settings | undefined;

/** Everything a handler is configured with, read in one place: SST `Resource` for the stage, env for logging. */
export const config = {
  version: pkg.version,
  get stage(): string {
    return Resource.App.stage;
  },
  /** The stage's `Settings` resource, checked once; the defaults when the stage links none. */
  get settings(): Settings {
    settings ??= "Settings" in Resource ? v.parse(Settings, Resource.Settings) : defaultSettings;
    return settings;
  },
  logLevel: process.env.LOG_LEVEL ?? "info",
} as const;
