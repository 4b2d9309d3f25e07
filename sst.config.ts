/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  async app(input) {
    const { stageConfig } = await import("./infra/stage-config");
    const { appName } = await import("./packages/core/src/resources");
    // Checked first, so that a stage missing its settings (tokens, CORS origins) fails before anything is planned.
    const { production } = stageConfig(input.stage);
    return {
      name: appName,
      home: "aws",
      removal: production ? "retain" : "remove",
      protect: production,
    };
  },
  async run() {
    // First: it routes every alarm, and watches every function created after it.
    await import("./infra/alerts");
    const { api } = await import("./infra/api");
    const { realtime } = await import("./infra/realtime");
    await import("./infra/broadcaster");
    await import("./infra/integrations");
    await import("./infra/monitoring");
    return { api: api.url, ws: realtime.url };
  },
});
