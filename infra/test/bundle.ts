import { join } from "node:path";
import { type HandlerModule, handlerModules } from "@chat/functions/routes";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { sstBundleOptions } from "../sst-bundle";
import { repositoryRoot } from "./paths";

export { handlerModules };

const functionsSource = join(repositoryRoot, "packages/functions/src");

/** A bundled handler: its code and what went into it. */
export interface Bundle {
  code: string;
  bytes: number;
  metafile: Metafile;
}

const bundle = async (options: BuildOptions): Promise<Bundle> => {
  const result = await build({ ...sstBundleOptions, write: false, ...options });
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
