import { setupTestStorage } from "@chat/core/local-storage";
import { resourceEnvironment } from "@chat/core/resources";
import { defaultSettings } from "../src/settings";
import { startFakeManagementApi } from "./fake-management-api";

export default async function setup() {
  const stopStorage = await setupTestStorage();
  const managementApi = await startFakeManagementApi();
  Object.assign(process.env, {
    FAKE_MANAGEMENT_API: managementApi.endpoint,
    ...resourceEnvironment("test", {
      Realtime: { url: "ws://127.0.0.1:1", managementEndpoint: managementApi.endpoint },
      // The stage defaults, but departures announced after 100 ms rather than up to 10 s.
      Settings: { ...defaultSettings, limits: { ...defaultSettings.limits, presenceSettleMs: 100 } },
    }),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
    POWERTOOLS_METRICS_DISABLED: "true",
  });
  return async () => {
    await managementApi.close();
    await stopStorage();
  };
}
