import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { localTableName } from "@chat/core/resources";
import { ensureTable } from "@chat/core/table";
import { startDynamoDbLocal } from "@chat/dynamodb-local";
import { type HandlerModule, postsToConnections } from "@chat/functions/routes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaEnvironment } from "./sst-bundle";
import { type Bundle, bundleHandler, commonJsSdkInputs, handlerModules } from "./test/bundle";

/**
 * Budgets, in KiB, of what each deployed bundle reads at cold init (its entry and the chunks it imports statically;
 * `initBytes`): measured (Nov 2026, esbuild 0.28, AWS SDK 3.1169) plus ~15%. ElectroDB, the document client, pino
 * and Powertools are chunks read on the first invocation (see @chat/core's first-use.ts), so handlers without
 * storage stay near 35 KiB and storage handlers at 260–310 KiB (the DynamoDB client: ~100 KiB less since ElectroDB's
 * require() no longer drags the client's whole package in, esbuild-plugins.mjs); the broadcaster and the fan-out worker
 * carry the management API's signer (~285 KiB; the Lambda client they hand shards on with is a chunk read on the
 * first big room), the integrations consumer ~280 KiB (the SQS client and web-push are chunks read on a first webhook
 * or push), the webhook deliverer ~40 KiB. A jump past a budget means a new dependency came along at init.
 */
const budgetsKiB: Record<HandlerModule, number> = {
  "http/health": 40,
  "http/list-rooms": 300,
  "http/create-room": 305,
  "http/get-room": 310,
  "http/update-room": 310,
  "http/open-direct": 305,
  "http/my-rooms": 330,
  "http/send-message": 330,
  "http/get-messages": 310,
  "http/get-replies": 310,
  "http/mark-read": 360,
  "http/list-reads": 335,
  "http/edit-message": 310,
  "http/delete-message": 310,
  "http/put-reaction": 340,
  "http/delete-reaction": 340,
  "http/list-reactions": 340,
  "http/list-members": 310,
  "http/list-presence": 310,
  "http/put-member": 335,
  "http/remove-member": 335,
  "http/list-bans": 310,
  "http/ban-user": 335,
  "http/unban-user": 310,
  "http/mute-user": 335,
  "http/unmute-user": 335,
  "http/get-blocklist": 305,
  "http/put-blocklist": 310,
  "http/put-push-subscription": 305,
  "http/delete-push-subscription": 300,
  "http/vapid-public-key": 40,
  "http/openapi": 120,
  "http/not-found": 40,
  "ws/connect": 330,
  "ws/disconnect": 315,
  "ws/default": 350,
  "ws/authorize": 55,
  "stream/broadcast": 335,
  "stream/integrations": 325,
  "queue/deliver-webhook": 45,
  "fan-out/worker": 325,
};

// What each handler reads at import time, as Lambda provides it through its own links only: a handler that is not
// linked to the table (or the WebSocket API) must not need it to load.
const lambdaEnv = (module: HandlerModule) => ({
  PATH: process.env.PATH ?? "",
  ...lambdaEnvironment("bundle-test", module),
});

describe("the Lambda bundles, built as SST deploys them", () => {
  const bundles = new Map<HandlerModule, Bundle>();
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "chat-bundles-"));
    for (const module of handlerModules) bundles.set(module, await bundleHandler(module));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const bundleOf = (module: HandlerModule): Bundle => {
    const bundle = bundles.get(module);
    if (!bundle) throw new Error(`${module} was not bundled`);
    return bundle;
  };

  it("has a budget for every handler of the route table", () => {
    expect(Object.keys(budgetsKiB).sort()).toEqual([...handlerModules].sort());
  });

  it.each(handlerModules)("keeps %s within its size budget", (module) => {
    const { bytes } = bundleOf(module);
    expect(bytes / 1024, `${module}: ${(bytes / 1024).toFixed(1)} KiB`).toBeLessThanOrEqual(
      budgetsKiB[module],
    );
  });

  /** What a handler's import reads: its entry and what that imports statically (files, and Node's modules). */
  const readAtInit = (module: HandlerModule): Set<string> => {
    const { metafile } = bundleOf(module);
    const entry = Object.keys(metafile.outputs).find((output) => output.endsWith(`/${basename(module)}.mjs`));
    const read = new Set<string>();
    const visit = (output: string) => {
      if (read.has(output)) return;
      read.add(output);
      for (const { path, kind } of metafile.outputs[output]?.imports ?? []) {
        if (kind === "import-statement") visit(path);
      }
    };
    visit(entry ?? "");
    return read;
  };

  // On Node 22 (Lambda's runtime) importing `node:http` as an ES module loads undici (its facade reads every export,
  // `WebSocket` among them): ~25 ms of cold init. The SDK's HTTP handler imports it on a first plain-http request.
  it.each(handlerModules)("does not import node:http at init in %s", (module) => {
    expect([...readAtInit(module)].filter((output) => /^(node:)?http$/.test(output))).toEqual([]);
  });

  // ElectroDB's require() of the document client would make esbuild wrap the whole DynamoDB client package, so that
  // importing the client ran all of it (the aggregated `DynamoDB` class, every command and waiter): see
  // esbuild-plugins.mjs. The client alone is what a handler's init may run of it; the document client and its
  // commands load before the first invocation (`documentLibrary()`, never a static import).
  it.each(handlerModules)("runs none of the DynamoDB packages' unused code at init in %s", (module) => {
    const { outputs } = bundleOf(module).metafile;
    const inputs = [...readAtInit(module)].flatMap((output) => Object.keys(outputs[output]?.inputs ?? {}));
    const notAtInit =
      /client-dynamodb\/dist-es\/(DynamoDB\.js|waiters\/|commands\/CreateTableCommand)|lib-dynamodb\//;
    expect(inputs.filter((input) => notAtInit.test(input))).toEqual([]);
  });

  it.each(handlerModules)("bundles the AWS SDK's ES module build into %s", (module) => {
    // The SDK's CommonJS build require()s node:https, which an ESM bundle can only do through a shim.
    expect(commonJsSdkInputs(bundleOf(module))).toEqual([]);
  });

  // The logger and the metrics load pino and Powertools on first use, through a `require` esbuild must bundle: a
  // missing copy would only fail at the first log line on AWS, where no node_modules sit beside the bundle.
  it.each(handlerModules)("bundles pino and Powertools Metrics into %s, for their first use", (module) => {
    const inputs = Object.keys(bundleOf(module).metafile.inputs);
    expect(inputs.some((input) => /\/pino\/pino\.js$/.test(input))).toBe(true);
    expect(inputs.some((input) => /\/@aws-lambda-powertools\/metrics\//.test(input))).toBe(true);
  });

  // ElectroDB is imported dynamically (core's entity.ts): a chunk beside the entry, read on the first invocation.
  it.each(handlerModules)("puts ElectroDB in a chunk of %s, not its entry, if it has entities", (module) => {
    const { metafile } = bundleOf(module);
    const hasEntities = Object.keys(metafile.inputs).some((input) =>
      input.endsWith("packages/core/src/entity.ts"),
    );
    const carrying = Object.entries(metafile.outputs)
      .filter(([, output]) =>
        Object.keys(output.inputs).some((input) => /\/electrodb\/index\.js$/.test(input)),
      )
      .map(([file]) => basename(file));
    expect(carrying).toHaveLength(hasEntities ? 1 : 0);
    expect(carrying).not.toContain(`${basename(module)}.mjs`);
  });

  it("carries the WebSocket management client in exactly the handlers listed as posting to connections", () => {
    const text = (module: HandlerModule) =>
      [...bundleOf(module).files.values()].map((contents) => new TextDecoder().decode(contents)).join("\n");
    const carrying = handlerModules.filter((module) => text(module).includes("PostToConnection"));
    expect(carrying.sort()).toEqual([...postsToConnections].sort());
  });

  /** Writes a handler's files (entry and chunks) to a folder of their own, as Lambda unpacks them. */
  const writeOut = async (module: HandlerModule): Promise<string> => {
    const folder = join(dir, module.replace("/", "-"));
    const { files } = bundleOf(module);
    for (const [name, contents] of files) {
      await mkdir(dirname(join(folder, name)), { recursive: true });
      await writeFile(join(folder, name), contents);
    }
    return join(folder, `${basename(module)}.mjs`);
  };

  const runNode = (module: HandlerModule, script: string, env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...lambdaEnv(module), ...env },
      encoding: "utf8",
    });

  it.each(handlerModules)("imports %s in a fresh Node.js process and finds its handler", async (module) => {
    const file = await writeOut(module);
    const result = runNode(
      module,
      `const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});
process.stdout.write(typeof handler);`,
    );
    // On a Node.js 20 machine the SDK warns on stderr that it will need Node.js 22 (what Lambda runs): not an error.
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe("function");
  });

  it("loads the ElectroDB chunk on a storage handler's first invocation, with no node_modules beside it", async () => {
    const module = "http/get-messages";
    const file = await writeOut(module);
    // An invalid room id: the edge loads the chunk, then answers 400 before any storage call (no table here).
    const event = {
      routeKey: "GET /rooms/{roomId}/messages",
      rawPath: "/rooms/NOT%20VALID/messages",
      rawQueryString: "",
      headers: {},
      pathParameters: { roomId: "NOT VALID" },
      requestContext: { requestId: "bundle-test", http: { method: "GET" } },
    };
    const result = runNode(
      module,
      `const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});
const reply = await handler(${JSON.stringify(event)});
process.stdout.write("\\nstatus " + reply.statusCode);`,
    );
    expect(result.status, result.stderr).toBe(0);
    // A chunk that failed to load would be a 500 (the edge maps the error).
    expect(result.stdout.split("\n").at(-1)).toBe("status 400");
  });

  it("stores and reads a message through the bundled handlers on the real DynamoDB Local", async () => {
    // ElectroDB's commands come from @chat/core's hand-over in a bundle (esbuild-plugins.mjs), not its own require:
    // a send (a transaction) and a history read (a Query) through ElectroDB, each handler in its own process.
    const dynamo = await startDynamoDbLocal();
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    try {
      await ensureTable(client, localTableName("bundle-test"));
      const invoke = async (module: HandlerModule, event: object) => {
        const file = await writeOut(module);
        const result = runNode(
          module,
          `const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});
process.stdout.write("\\nreply " + JSON.stringify(await handler(${JSON.stringify(event)})) + "\\n");`,
          { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint },
        );
        expect(result.status, result.stderr).toBe(0);
        // The handler's logs (pino, on stdout) come before and after its reply.
        const line = result.stdout.split("\n").find((text) => text.startsWith("reply ")) ?? "";
        const reply = JSON.parse(line.slice("reply ".length)) as { statusCode: number; body: string };
        return { status: reply.statusCode, body: JSON.parse(reply.body) as unknown };
      };
      const request = (method: string, body?: object) => ({
        routeKey: `${method} /rooms/{roomId}/messages`,
        rawPath: "/rooms/bundled/messages",
        rawQueryString: "",
        headers: { "content-type": "application/json", "x-user-id": "ada" },
        pathParameters: { roomId: "bundled" },
        requestContext: { requestId: `bundle-test-${method}`, http: { method } },
        ...(body && { body: JSON.stringify(body) }),
      });

      const sent = await invoke(
        "http/send-message",
        request("POST", { userId: "ada", username: "Ada", text: "from a bundle" }),
      );
      const read = await invoke("http/get-messages", request("GET"));

      expect(sent).toMatchObject({ status: 201, body: { message: { text: "from a bundle" } } });
      expect(read).toMatchObject({
        status: 200,
        body: { messages: [{ text: "from a bundle", userId: "ada" }] },
      });
    } finally {
      client.destroy();
      await dynamo.stop();
    }
  });
});
