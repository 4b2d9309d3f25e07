import { stageConfig } from "./config";

/** The handlers' per-stage settings (auth mode, limits), linked to every function as `Resource.Settings`. */
export const settings = new sst.Linkable("Settings", { properties: stageConfig($app.stage).settings });
