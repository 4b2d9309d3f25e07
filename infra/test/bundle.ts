import { join } from "node:path";
import {
  broadcaster,
  type HandlerModule,
  httpRoutes,
  socketAuthorizer,
  socketRoutes,
} from "@chat/functions/routes";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { repositoryRoot } from "./paths";

/** Every handler module of the route table, once each. */
export const handlerModules: HandlerModule[] = [
  ...new Set<HandlerModule>([
    ...Object.values(httpRoutes),
    ...Object.values(socketRoutes),
    socketAuthorizer,
    broadcaster.handler,
  ]),
];

const functionsSource = join(repositoryRoot, "packages/functions/src");

/**
 * esbuild options as SST's Node.js runtime uses them for a deployed function with `nodejs: { format: "esm",
 * minify: true }`: one ESM file, the AWS SDK bundled, packages' ESM builds preferred (`mainFields`), names kept,
 * SST's `createRequire` banner. The target is Lambda's Node.js 22.
 */
const sstOptions: BuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  minify: true,
  keepNames: true,
  mainFields: ["module", "main"],
  metafile: true,
  write: false,
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
};

/** A bundled handler: its code and what went into it. */
export interface Bundle {
  code: string;
  bytes: number;
  metafile: Metafile;
}

const bundle = async (options: BuildOptions): Promise<Bundle> => {
  const result = await build({ ...sstOptions, ...options });
  const [output] = result.outputFiles ?? [];
  if (!output) throw new Error("esbuild wrote no output");
  return { code: output.text, bytes: output.contents.byteLength, metafile: result.metafile as Metafile };
};

/** Bundles a handler module the way SST does when it deploys it. */
export const bundleHandler = (module: HandlerModule): Promise<Bundle> =>
  bundle({ entryPoints: [join(functionsSource, `${module}.ts`)], outfile: `${module}.mjs` });

/** The smallest useful Lambda: a module that only creates a DynamoDB client. A baseline for cold-init times. */
export const bundleBaseline = (): Promise<Bundle> =>
  bundle({
    stdin: {
      contents: `import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
export const client = new DynamoDBClient({});
export const handler = async () => ({ statusCode: 200 });`,
      // Resolved from the functions package, which depends on the SDK.
      resolveDir: functionsSource,
      loader: "ts",
    },
    outfile: "baseline.mjs",
  });

/** Inputs of a bundle from the AWS SDK's CommonJS builds: their `require("node:https")` breaks ESM bundles. */
export const commonJsSdkInputs = ({ metafile }: Bundle): string[] =>
  Object.keys(metafile.inputs).filter((input) => /@(aws-sdk|smithy)\/.*\/dist-cjs\//.test(input));
