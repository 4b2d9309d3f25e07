import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { initBytes, sstBundleOptions } from "@chat/infra/sst-bundle";
import { build } from "esbuild";

// Bundles a handler the way SST builds a `nodejs22.x` function, with the infra package's options (`sstBundleOptions`),
// so the cold-init rows measure what the bundle-size test checks.

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..");

export interface Bundle {
  /** The handler module (a route table entry such as `http/send-message`) or a baseline's name. */
  name: string;
  /** The entry file: what Lambda imports at init (it imports the shared chunks it needs). */
  file: string;
  /** Bytes of the files read at init: the entry and the chunks it imports statically, not the dynamic ones. */
  bytes: number;
}

/** An entry file, or source text resolved from `resolveDir` (this folder by default). */
export type Entry = { file: string } | { contents: string; resolveDir?: string };

/** Bundles one entry to `outDir/<name>/<name>.mjs` (chunks beside it) and returns its size at init. */
export const bundle = async (name: string, entry: Entry, outDir: string): Promise<Bundle> => {
  const entryName = name.replace(/\W+/g, "-");
  const folder = join(outDir, entryName);
  await mkdir(folder, { recursive: true });
  const result = await build({
    ...("file" in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.contents, resolveDir: entry.resolveDir ?? here, loader: "ts" as const } }),
    outdir: folder,
    entryNames: entryName,
    ...sstBundleOptions,
  });
  const file = join(folder, `${entryName}.mjs`);
  const entryOutput = Object.keys(result.metafile.outputs).find((output) => resolve(output) === file);
  if (!entryOutput) throw new Error(`esbuild wrote no ${file}`);
  const bytes = initBytes(result.metafile, entryOutput);
  return { name, file, bytes };
};

/** Bundles a handler module of @chat/functions. */
export const bundleHandler = (module: string, outDir: string): Promise<Bundle> =>
  bundle(module, { file: join(root, "packages/functions/src", `${module}.ts`) }, outDir);

/** The cold-init baseline: a bundle that only creates a DynamoDB client. */
export const bundleClientOnly = (outDir: string): Promise<Bundle> =>
  bundle(
    "dynamodb-client-only",
    {
      contents: [
        'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";',
        "export const client = new DynamoDBClient({});",
      ].join("\n"),
    },
    outDir,
  );

/**
 * Parts of a storage handler, bundled alone, to show where its init time goes: the DynamoDB DocumentClient, the same
 * with ElectroDB and one entity built (all list-rooms stores with; a handler builds it on its first invocation, not at
 * init), and the logger with the metrics.
 */
export const bundleParts = async (outDir: string): Promise<Bundle[]> => [
  await bundle(
    "part: DocumentClient",
    { contents: 'export { documentClient } from "./dynamo";', resolveDir: join(root, "packages/core/src") },
    outDir,
  ),
  await bundle(
    "part: DocumentClient + ElectroDB + 1 entity built",
    {
      contents: 'import { RoomEntity } from "./room"; export const schema = RoomEntity.schema;',
      resolveDir: join(root, "packages/core/src"),
    },
    outDir,
  ),
  await bundle(
    "part: pino + Powertools Metrics",
    {
      contents: 'export { logger, metrics } from "./observability";',
      resolveDir: join(root, "packages/functions/src"),
    },
    outDir,
  ),
];
