import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { appName, resourceEnvironment } from "./resources";

/** What SST's `Resource` gives a process started with `environment` (a fresh one: it reads its environment once). */
const resourcesSeenWith = (environment: Record<string, string>) => {
  const script = `import { Resource } from "sst/resource";
const read = (name) => { try { return Resource[name]; } catch { return null; } };
process.stdout.write(JSON.stringify({ App: read("App"), Table: read("Table"), Realtime: read("Realtime"), Settings: read("Settings") }));`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { PATH: process.env.PATH ?? "", ...environment },
    encoding: "utf8",
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
};

describe("the resource environment", () => {
  it("is read by SST's Resource exactly as a linked Lambda sees it", () => {
    const environment = resourceEnvironment("alice", {
      Table: { name: "chat-alice" },
      Realtime: { url: "ws://127.0.0.1:3001", managementEndpoint: "http://127.0.0.1:3001" },
      Settings: { limits: { sendsPerMinute: 5 } },
    });

    expect(resourcesSeenWith(environment as Record<string, string>)).toEqual({
      App: { name: appName, stage: "alice" },
      Table: { name: "chat-alice", type: "sst.aws.Dynamo" },
      Realtime: {
        url: "ws://127.0.0.1:3001",
        managementEndpoint: "http://127.0.0.1:3001",
        type: "sst.aws.ApiGatewayWebSocket",
      },
      Settings: { limits: { sendsPerMinute: 5 }, type: "sst.sst.Linkable" },
    });
  });

  it("leaves out the resources not given, as for a handler not linked to them", () => {
    const environment = resourceEnvironment("test", { Table: { name: "chat-test" } });

    expect(Object.keys(environment).sort()).toEqual(["SST_RESOURCE_App", "SST_RESOURCE_Table"]);
    expect(resourcesSeenWith(environment as Record<string, string>)).toMatchObject({
      Realtime: null,
      Settings: null,
    });
  });
});
