import { appName, localTableName, resourceEnvironment } from "@chat/core/resources";
import { type HandlerModule, postsToConnections, tableAccess } from "@chat/functions/routes";
import { defaultSettings } from "@chat/functions/settings";
import type { BuildOptions, Metafile } from "esbuild";
import plugins from "./esbuild-plugins.mjs";

/**
 * esbuild options as SST's Node.js runtime uses them for a deployed function with `nodejs: { format: "esm",
 * minify: true, splitting: true, esbuild: { keepNames: false } }` (see `handler.ts`): one ESM file plus a chunk per
 * dynamic import, the AWS SDK bundled, packages' ESM builds preferred (`mainFields`; the SDK's CommonJS build crashes
 * on import when bundled to ESM), names not kept (SST's default keeps them; `__name` calls cost ~5 ms of cold init),
 * SST's `createRequire` banner (so CommonJS dependencies such as pino can still require Node built-ins). The target
 * is Lambda's Node.js 22. The bundle-size test and `pnpm bench`'s cold-init rows both bundle with these. Deployed
 * functions also get `sourcemap: true`: SST writes a linked `.map` beside each file (the code itself only gains its
 * `sourceMappingURL` line), which Node reads at import under `NODE_OPTIONS=--enable-source-maps`. The plugins are SST's
 * too (`nodejs.plugins`): see esbuild-plugins.mjs.
 */
export const sstBundleOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  minify: true,
  keepNames: false,
  mainFields: ["module", "main"],
  // SST's `splitting: true`: a dynamic import() becomes a chunk of its own, read when it runs (ElectroDB: see
  // @chat/core's entity.ts), so it costs nothing at cold init. Callers give `outdir`, as SST does.
  splitting: true,
  outExtension: { ".js": ".mjs" },
  metafile: true,
  logLevel: "silent",
  plugins,
  banner: {
    js: [
      `import { createRequire as topLevelCreateRequire } from 'module';`,
      "const require = topLevelCreateRequire(import.meta.url);",
      `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
      "const __filename = topLevelFileUrlToPath(import.meta.url)",
      `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
    ].join("\n"),
  },
} as const satisfies BuildOptions;

/**
 * Bytes a bundle's entry reads when it is imported (Lambda's init): the entry and the chunks it imports statically,
 * transitively, not the chunks it imports dynamically (read on first use). `entry` is the entry's key in `outputs`.
 */
export const initBytes = ({ outputs }: Metafile, entry: string): number => {
  const read = new Set<string>();
  const visit = (output: string) => {
    if (read.has(output) || !outputs[output]) return;
    read.add(output);
    for (const imported of outputs[output].imports) {
      if (imported.kind === "import-statement") visit(imported.path);
    }
  };
  visit(entry);
  if (read.size === 0) throw new Error(`no output ${entry}`);
  return [...read].reduce((sum, output) => sum + (outputs[output]?.bytes ?? 0), 0);
};

/**
 * What a deployed handler finds in its environment at import time (Lambda's variables and SST's links), for running
 * a bundle outside Lambda: the bundle test imports each one, the bench times the import. Given a handler module, only
 * the links infra gives it (the table only where `tableAccess` lists some, the WebSocket API only where it posts);
 * without one, every link.
 */
export const lambdaEnvironment = (stage: string, module?: HandlerModule): Record<string, string> => {
  const linked = (links: boolean) => module === undefined || links;
  return {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "offline",
    AWS_SECRET_ACCESS_KEY: "offline",
    AWS_LAMBDA_FUNCTION_NAME: `${appName}-${stage}`,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...resourceEnvironment(stage, {
      Settings: defaultSettings,
      ...(linked(module !== undefined && tableAccess[module] !== null) && {
        Table: { name: localTableName(stage) },
      }),
      ...(linked(module !== undefined && (postsToConnections as readonly string[]).includes(module)) && {
        Realtime: {
          url: `wss://example.execute-api.us-east-1.amazonaws.com/${stage}`,
          managementEndpoint: `https://example.execute-api.us-east-1.amazonaws.com/${stage}`,
        },
      }),
    }),
  };
};
