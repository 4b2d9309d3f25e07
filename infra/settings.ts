import { Resources } from "@chat/core/resources";
import { stageConfig } from "./stage-config";

/** The handlers' per-stage settings (auth mode, limits), linked to every function as `Resource.Settings`. */
export const settings = new sst.Linkable(Resources.Settings, {
  properties: stageConfig($app.stage).settings,
});
