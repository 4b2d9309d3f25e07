import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { openApiDocument } from "./document";

// `pnpm --filter @chat/functions openapi`: regenerates the committed document after a schema or route change, in
// the repository's format (Biome's), so that `pnpm lint` passes on it.
const file = fileURLToPath(new URL("./openapi.json", import.meta.url));
writeFileSync(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
const biome = createRequire(import.meta.url).resolve("@biomejs/biome/bin/biome");
execFileSync(process.execPath, [biome, "format", "--write", file], { stdio: "inherit" });
