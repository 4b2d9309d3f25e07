import { basename, join, relative } from "node:path";
import { type HandlerModule, handlerModules } from "@chat/functions/routes";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { initBytes, sstBundleOptions } from "../sst-bundle";
import { repositoryRoot } from "./paths";

export { handlerModules };

const functionsSource = join(repositoryRoot, "packages/functions/src");

/** A bundled handler: the bytes its import reads (Lambda's init), its files, and what went in. */
export interface Bundle {
  bytes: number;
  /** Every output file by its name (the entry's included), for writing the bundle out. */
  files: Map<string, Uint8Array>;
  metafile: Metafile;
}

// Nothing is written (`write: false`); the folder only names the outputs.
const outdir = "/bundle";

const bundle = async (entryName: string, options: BuildOptions): Promise<Bundle> => {
  const result = await build({ ...sstBundleOptions, write: false, outdir, ...options });
  const files = new Map(
    (result.outputFiles ?? []).map((file) => [relative(outdir, file.path), file.contents] as const),
  );
  const metafile = result.metafile as Metafile;
  const entry = Object.keys(metafile.outputs).find((output) => output.endsWith(`/${entryName}.mjs`));
  if (!entry) throw new Error(`esbuild wrote no ${entryName}.mjs`);
  return { bytes: initBytes(metafile, entry), files, metafile };
};

/** Bundles a handler module the way SST does when it deploys it. */
export const bundleHandler = (module: HandlerModule): Promise<Bundle> =>
  bundle(basename(module), { entryPoints: [join(functionsSource, `${module}.ts`)] });

/** The smallest useful Lambda: a module that only creates a DynamoDB client. A baseline for cold-init times. */
export const bundleBaseline = (): Promise<Bundle> =>
  bundle("baseline", {
    stdin: {
      contents: `import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
export const client = new DynamoDBClient({});
export const handler = async () => ({ statusCode: 200 });`,
      // Resolved from the functions package, which depends on the SDK.
      resolveDir: functionsSource,
      loader: "ts",
    },
    entryNames: "baseline",
  });

/** Inputs of a bundle from the AWS SDK's CommonJS builds: their `require("node:https")` breaks ESM bundles. */
export const commonJsSdkInputs = ({ metafile }: Bundle): string[] =>
  Object.keys(metafile.inputs).filter((input) => /@(aws-sdk|smithy)\/.*\/dist-cjs\//.test(input));
