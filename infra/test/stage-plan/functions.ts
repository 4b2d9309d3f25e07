import { Resources } from "@chat/core/resources";
import {
  broadcaster,
  fanOutWorker,
  httpRoutes,
  integrations,
  postsToConnections,
  socketAuthorizer,
  socketRoutes,
  tableAccess,
  webhookDeliverer,
} from "@chat/functions/routes";
import { expect, it } from "vitest";
import { RETENTION } from "../../../.sst/platform/src/components/aws/logging.ts";
import type { FunctionKind } from "../../stage-config";
import type { StagePlanContext } from "./context";

const kindOf = (module: string): FunctionKind =>
  module === broadcaster.handler || module === integrations.handler || module === fanOutWorker
    ? "broadcaster"
    : module.startsWith("ws/")
      ? "socket"
      : "http";

/** The functions: one per handler module, how they are built and sized, what they are linked to and told. */
export const describeFunctions = (ctx: StagePlanContext) => {
  const { config, expected } = ctx;

  it("builds one function per handler module, on Node.js 22 arm64 from a minified ESM bundle", () => {
    const modules = new Set([
      ...Object.values(httpRoutes),
      ...Object.values(socketRoutes),
      broadcaster.handler,
      integrations.handler,
      webhookDeliverer,
      fanOutWorker,
      // The handshake's token check exists only where tokens are required.
      ...(config.settings.auth.mode === "jwt" ? [socketAuthorizer] : []),
    ]);
    expect(ctx.q.functions.map((fn) => fn.module).sort()).toEqual([...modules].sort());
    for (const fn of ctx.q.functions) {
      expect(fn.build.runtime, fn.module).toBe("nodejs22.x");
      expect(fn.build.properties, fn.module).toMatchObject({
        format: "esm",
        minify: true,
        // Readable stack traces: the maps ship in the bundle and Node reads them (NODE_OPTIONS, below).
        sourcemap: true,
        architecture: "arm64",
        // SST keeps names by default; dropping them saves cold init (see bench: cold init).
        esbuild: { keepNames: false },
        // The plugins the bundle tests build with (sst-bundle.ts), by a path from sst.config.ts.
        plugins: "./infra/esbuild-plugins.mjs",
      });
      expect(fn.lambda.inputs, fn.module).toMatchObject({
        runtime: "nodejs22.x",
        architectures: ["arm64"],
      });
    }
  });

  it("sizes each function by its kind and keeps its logs for the stage's retention", () => {
    for (const fn of ctx.q.functions) {
      const size = config.functions[kindOf(fn.module)];
      expect(fn.lambda.inputs.memorySize, fn.module).toBe(size.memoryMb);
      expect(fn.lambda.inputs.timeout, fn.module).toBe(size.timeoutSeconds);
      expect(fn.logGroup.inputs.retentionInDays, fn.module).toBe(RETENTION[config.logRetention]);
    }
  });

  it("links the settings to every handler, the table to those that use it, the WebSocket API to those that post", () => {
    for (const fn of ctx.q.functions) {
      const posts = (postsToConnections as readonly string[]).includes(fn.module);
      const usesTable = tableAccess[fn.module] !== null;
      // The webhook queue (its URL) reaches the consumer that fills it and the deliverer that reschedules.
      const usesQueue = fn.module === integrations.handler || fn.module === webhookDeliverer;
      expect(Object.keys(fn.build.links).sort(), fn.module).toEqual([
        // The broadcaster hands big rooms' shards to the fan-out worker.
        ...(fn.module === broadcaster.handler ? [Resources.FanOutWorker] : []),
        ...(posts ? [Resources.Realtime] : []),
        Resources.Settings,
        ...(usesTable ? [Resources.Table] : []),
        ...(usesQueue ? [Resources.WebhookQueue] : []),
      ]);
      expect(fn.build.links[Resources.Settings], fn.module).toMatchObject(config.settings);
      // The stage admins of CHAT_ADMINS reach every handler (none unless named).
      expect(fn.build.links[Resources.Settings], fn.module).toMatchObject({
        admins: expected.admins ?? [],
      });
      // The table's own name and type (the mocks' URNs prefix the type with the stack's).
      if (usesTable) {
        expect(fn.build.links[Resources.Table], fn.module).toEqual({
          name: expect.any(String),
          type: expect.stringMatching(/(^|\$)sst\.aws\.Dynamo$/),
        });
      }
    }
  });

  it("hands handlers no environment but source maps on: names and endpoints come only through links", () => {
    for (const fn of ctx.q.functions) {
      const variables = (fn.lambda.inputs.environment as { variables: Record<string, string> }).variables;
      expect(variables.NODE_OPTIONS, fn.module).toBe("--enable-source-maps");
      expect(Object.keys(variables).sort(), fn.module).toEqual([
        "NODE_OPTIONS",
        "SST_KEY",
        "SST_KEY_FILE",
        "SST_RESOURCE_App",
      ]);
    }
  });
};
