import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/**
 * The API reference page: the committed OpenAPI document (what `GET /openapi.json` serves) rendered by Redoc
 * through `redocly build-docs --inlineBundle`, so the page carries Redoc itself and loads nothing from a CDN.
 * Rendering takes a second or two, so the page is kept in a cache named after the hash of what it is built from,
 * whatever port the stack's HTTP API has (the local URL is put in when the page is served).
 */

const documentFile = fileURLToPath(new URL("../../functions/src/openapi/openapi.json", import.meta.url));
const cacheDir = fileURLToPath(new URL("../node_modules/.cache/reference", import.meta.url));
const require = createRequire(import.meta.url);
const cli = require.resolve("@redocly/cli/bin/cli.js");
const cliVersion = (require("@redocly/cli/package.json") as { version: string }).version;

export interface ReferencePage {
  html: string;
  /** The page's Content-Security-Policy: its own inline script by hash, nothing from any other origin. */
  contentSecurityPolicy: string;
}

/** The committed document and the local server it names (the stack's default HTTP API URL). */
const committedDocument = async () => {
  const document = JSON.parse(await readFile(documentFile, "utf8")) as { servers?: { url: string }[] };
  return { document, localUrl: document.servers?.[0]?.url };
};

const render = async (document: object, output: string) => {
  const staging = await mkdtemp(join(cacheDir, "staging-"));
  try {
    const input = join(staging, "openapi.json");
    await writeFile(input, JSON.stringify(document));
    const page = join(staging, "reference.html");
    await promisify(execFile)(
      process.execPath,
      [cli, "build-docs", input, "--inlineBundle", "--title", "Chat API reference", "-o", page],
      // No usage reports from the CLI nor from the page it writes, and no update check.
      { env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
    );
    // Several stacks may render at once: the first rename wins, the others' pages are the same.
    await rename(page, output);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
};

const inlineScripts = (html: string) =>
  [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1] ?? "");

const policyOf = (html: string) => {
  const hashes = inlineScripts(html).map(
    (script) => `'sha256-${createHash("sha256").update(script).digest("base64")}'`,
  );
  return [
    "default-src 'none'",
    `script-src ${hashes.join(" ")}`,
    // Redoc's styles are inline (styled-components), its icons data: URLs; its search runs in a blob: worker.
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "worker-src blob:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
};

/** Keeps the newest page only: each change of the document renders a new one of a few MB. */
const pruneCache = async (keep: string) => {
  for (const name of await readdir(cacheDir)) {
    if (name.endsWith(".html") && name !== keep) await rm(join(cacheDir, name), { force: true });
  }
};

/**
 * Renders the reference page (or reads it from the cache) for a stack whose HTTP API is at `httpUrl`: the page's
 * local server, and the local URL wherever the document mentions it, are this stack's.
 */
export const referencePage = async (httpUrl: string): Promise<ReferencePage> => {
  const { document, localUrl } = await committedDocument();
  const hash = createHash("sha256")
    .update(`${cliVersion}\0${JSON.stringify(document)}`)
    .digest("hex")
    .slice(0, 16);
  const name = `${hash}.html`;
  const file = join(cacheDir, name);
  await mkdir(cacheDir, { recursive: true });
  const rendered = await readFile(file, "utf8").catch(async () => {
    await render(document, file);
    await pruneCache(name).catch(() => undefined);
    return readFile(file, "utf8");
  });
  const html = localUrl && localUrl !== httpUrl ? rendered.replaceAll(localUrl, httpUrl) : rendered;
  return { html, contentSecurityPolicy: policyOf(html) };
};
