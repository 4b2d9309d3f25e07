import { existsSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { platformDir, repositoryRoot } from "./test/paths";

// SST bundles sst.config.ts (and everything it imports) into .sst/platform and runs it there, leaving these
// packages external: they must then be installed in .sst/platform/node_modules.
const sstExternal = [
  "@pulumi/*",
  "undici",
  "@pulumiverse/*",
  "@sst-provider/*",
  "@aws-sdk/*",
  "esbuild",
  "archiver",
  "glob",
  "vite",
];

describe("sst.config.ts as the SST CLI evaluates it", () => {
  it("bundles with SST's settings and imports nothing that is missing where SST runs it", async () => {
    const result = await build({
      stdin: {
        contents: `import mod from "./sst.config.ts";\nexport default mod;`,
        resolveDir: repositoryRoot,
        sourcefile: "eval.ts",
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      mainFields: ["module", "main"],
      nodePaths: [join(platformDir, "node_modules")],
      external: sstExternal,
      metafile: true,
      write: false,
      outfile: join(platformDir, "sst.config.check.mjs"),
      absWorkingDir: repositoryRoot,
      logLevel: "silent",
    });
    const bundled = Object.keys(result.metafile.inputs);
    expect(bundled).toEqual(
      expect.arrayContaining(["sst.config.ts", "infra/storage.ts", "infra/monitoring.ts"]),
    );

    const externals = Object.values(result.metafile.inputs)
      .flatMap((input) => input.imports)
      .filter((imported) => imported.external)
      .map((imported) => imported.path)
      .filter((path) => !path.startsWith("node:") && !builtinModules.includes(path));
    // Checked on disk rather than with require.resolve: pnpm's NODE_PATH would find packages SST cannot.
    const packageName = (path: string) =>
      path
        .split("/")
        .slice(0, path.startsWith("@") ? 2 : 1)
        .join("/");
    const unresolved = externals.filter(
      (path) => !existsSync(join(platformDir, "node_modules", packageName(path), "package.json")),
    );
    expect(unresolved).toEqual([]);
  });
});
