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
 * Parts of a storage handler, bundled alone, to show where its time goes: the DynamoDB client at init (what a
 * storage handler's entry creates), and what it loads on its first invocation instead of at init (the edges'
 * `beforeFirstUse()`: the document client, ElectroDB, pino and Powertools, from their chunks) with one entity built,
 * as `list-rooms` first stores with. The second part's import includes that load (a top-level await).
 */
export const bundleParts = async (outDir: string): Promise<Bundle[]> => [
  await bundle(
    "part: DynamoDB client (init)",
    { contents: 'export { client } from "./dynamo";', resolveDir: join(root, "packages/core/src") },
    outDir,
  ),
  await bundle(
    "part: first invocation's loads + 1 entity built",
    {
      contents: [
        'import { beforeFirstUse } from "@chat/core/first-use";',
        'import { RoomEntity } from "@chat/core/room";',
        'import { logger } from "./observability";',
        "await beforeFirstUse();",
        "export const built = [RoomEntity.schema, logger.level];",
      ].join("\n"),
      resolveDir: join(root, "packages/functions/src"),
    },
    outDir,
  ),
];
