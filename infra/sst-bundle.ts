import type { BuildOptions } from "esbuild";

/**
 * esbuild options as SST's Node.js runtime uses them for a deployed function with `nodejs: { format: "esm",
 * minify: true, esbuild: { keepNames: false } }` (see `handler.ts`): one ESM file, the AWS SDK bundled, packages' ESM
 * builds preferred (`mainFields`; the SDK's CommonJS build crashes on import when bundled to ESM), names not kept
 * (SST's default keeps them; `__name` calls cost ~5 ms of cold init), SST's `createRequire` banner (so CommonJS
 * dependencies such as pino can still require Node built-ins). The target is Lambda's Node.js 22. The bundle-size
 * test and `pnpm bench`'s cold-init rows both bundle with these.
 */
export const sstBundleOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  minify: true,
  keepNames: false,
  mainFields: ["module", "main"],
  metafile: true,
  logLevel: "silent",
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
 * What a deployed handler finds in its environment at import time (Lambda's variables and SST's links), for running
 * a bundle outside Lambda: the bundle test imports each one, the bench times the import.
 */
export const lambdaEnvironment = (stage: string): Record<string, string> => ({
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "offline",
  AWS_SECRET_ACCESS_KEY: "offline",
  AWS_LAMBDA_FUNCTION_NAME: `chat-${stage}`,
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  SST_RESOURCE_App: JSON.stringify({ name: "chat", stage }),
  SST_RESOURCE_Table: JSON.stringify({ name: `chat-${stage}`, type: "sst.aws.Dynamo" }),
  SST_RESOURCE_Realtime: JSON.stringify({
    url: `wss://example.execute-api.us-east-1.amazonaws.com/${stage}`,
    managementEndpoint: `https://example.execute-api.us-east-1.amazonaws.com/${stage}`,
    type: "sst.aws.ApiGatewayWebSocket",
  }),
});
