import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

// `pnpm --filter @chat/functions openapi`: regenerates the committed document after a schema or route change, in
// the repository's format (Biome's), so that `pnpm lint` passes on it.

// The document reads each route's `operation` from its handler module, and importing a storage handler builds its
// ElectroDB entities, which read the table's name from SST's links. Nothing is called: any name will do.
process.env.SST_RESOURCE_App ??= JSON.stringify({ name: "chat", stage: "openapi" });
process.env.SST_RESOURCE_Table ??= JSON.stringify({ name: "chat-openapi", type: "sst.aws.Dynamo" });
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { openApiDocument } = await import("./document");
const file = fileURLToPath(new URL("./openapi.json", import.meta.url));
writeFileSync(file, `${JSON.stringify(await openApiDocument(), null, 2)}\n`);
const biome = createRequire(import.meta.url).resolve("@biomejs/biome/bin/biome");
execFileSync(process.execPath, [biome, "format", "--write", file], { stdio: "inherit" });
