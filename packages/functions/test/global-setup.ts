import { localTableName, resourceEnvironment } from "@chat/core/resources";
import { ensureTable } from "@chat/core/table";
import { setupForTests } from "@chat/dynamodb-local/environment";
import { defaultSettings } from "../src/settings";
import { startFakeManagementApi } from "./fake-management-api";

export default async function setup() {
  const table = localTableName("test");
  const stopStorage = await setupForTests(async (client) => {
    await ensureTable(client, table);
    return {};
  });
  const managementApi = await startFakeManagementApi();
  Object.assign(process.env, {
    FAKE_MANAGEMENT_API: managementApi.endpoint,
    // The fan-out worker's asynchronous invocations go to the same fake (Lambda itself cannot run here).
    AWS_ENDPOINT_URL_LAMBDA: managementApi.endpoint,
    ...resourceEnvironment("test", {
      Table: { name: table },
      Realtime: { url: "ws://127.0.0.1:1", managementEndpoint: managementApi.endpoint },
      FanOutWorker: { name: "chat-test-fan-out-worker" },
      // The stage defaults, but departures announced after 100 ms rather than up to 10 s, and one stage admin.
      Settings: {
        ...defaultSettings,
        admins: ["stage-admin"],
        limits: { ...defaultSettings.limits, presenceSettleMs: 100 },
      },
    }),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
    POWERTOOLS_METRICS_DISABLED: "true",
  });
  return async () => {
    await managementApi.close();
    await stopStorage();
  };
}
