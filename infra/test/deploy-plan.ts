import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Pulumi from "../../.sst/platform/node_modules/@pulumi/pulumi";
import { platformDir, repositoryRoot } from "./paths";

/** A resource the program asked for, with the inputs it would be created with. */
export interface PlannedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** Whether the resource would survive its removal from the stack (SST's `removal` policy). */
  retainOnDelete: boolean;
}

/** What a function asked the SST CLI to build (`Runtime.Build`): the handler, its bundling and its links. */
export interface BuildRequest {
  functionID: string;
  handler: string;
  runtime: string;
  links: Record<string, unknown>;
  properties: {
    format?: string;
    minify?: boolean;
    sourcemap?: boolean;
    architecture?: string;
    esbuild?: { keepNames?: boolean };
  };
}

/** The result of running the app's config for one stage, without AWS. */
export interface DeployPlan {
  app: { name: string; removal?: string; protect?: boolean; home: string };
  outputs: Record<string, unknown>;
  resources: PlannedResource[];
  builds: BuildRequest[];
}

const account = "123456789012";
const region = "us-east-1";
const service = (type: string) => type.split(":")[1]?.split("/")[0] ?? "mock";
const arn = (type: string, name: string) => `arn:aws:${service(type)}:${region}:${account}:${name}`;

/** State the AWS provider would report back: enough for components that read ARNs, endpoints and names. */
const mockState = (type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> => {
  const state: Record<string, unknown> = { ...inputs, arn: arn(type, name), name: inputs.name ?? name };
  switch (type) {
    case "aws:dynamodb/table:Table":
      state.streamArn = `${arn(type, `table/${name}`)}/stream/2026-01-01T00:00:00.000`;
      break;
    case "aws:apigatewayv2/api:Api": {
      const scheme = inputs.protocolType === "WEBSOCKET" ? "wss" : "https";
      state.apiEndpoint = `${scheme}://${name.toLowerCase()}.execute-api.${region}.amazonaws.com`;
      state.executionArn = `arn:aws:execute-api:${region}:${account}:${name}-id`;
      break;
    }
    case "aws:lambda/function:Function":
      state.invokeArn = `arn:aws:apigateway:${region}:lambda:path/functions/${arn(type, name)}/invocations`;
      state.qualifiedArn = `${arn(type, name)}:$LATEST`;
      break;
    case "aws:sqs/queue:Queue":
      state.url = `https://sqs.${region}.amazonaws.com/${account}/${name}`;
      break;
    case "aws:apigateway/account:Account":
      state.cloudwatchRoleArn = `arn:aws:iam::${account}:role/apigateway-cloudwatch`;
      break;
    case "random:index/randomBytes:RandomBytes":
      state.base64 = Buffer.alloc(32).toString("base64");
      break;
  }
  return state;
};

const mockCall = ({ token, inputs }: Pulumi.runtime.MockCallArgs): Record<string, unknown> => {
  switch (token) {
    case "aws:index/getRegion:getRegion":
      return { id: region, name: region, region };
    case "aws:index/getPartition:getPartition":
      return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com" };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { id: account, accountId: account, arn: `arn:aws:iam::${account}:user/ci`, userId: "ci" };
    case "aws:iam/getPolicyDocument:getPolicyDocument":
      return {
        ...inputs,
        json: JSON.stringify({ Version: "2012-10-17", Statement: inputs.statements ?? [] }),
      };
    default:
      return inputs;
  }
};

const readBody = async (request: IncomingMessage): Promise<string> => {
  let body = "";
  for await (const chunk of request) body += chunk;
  return body;
};

/**
 * A stand-in for the SST CLI's RPC server (`SST_SERVER`): components ask it to build functions and for the
 * bootstrap bucket. Builds are recorded and answered with a one-file bundle; nothing else is served.
 */
const startRpcStub = async (bundleDir: string, builds: BuildRequest[]) => {
  let pending = 0;
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    pending++;
    const { method, params } = JSON.parse(await readBody(request)) as { method: string; params: [unknown] };
    let result: unknown;
    if (method === "Runtime.Build") {
      builds.push(params[0] as BuildRequest);
      result = { handler: "index.handler", out: bundleDir, errors: [], sourcemaps: [] };
    } else if (method === "Provider.Aws.Bootstrap") {
      result = {
        asset: "sst-asset-bucket",
        state: "sst-state-bucket",
        assetEcrRegistryId: account,
        assetEcrUrl: "",
      };
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(result === undefined ? { error: `rpc: can't find ${method}` } : { result }));
    pending--;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pending: () => pending,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const importFile = <T>(path: string): Promise<T> => import(/* @vite-ignore */ pathToFileURL(path).href);

type AppConfig = {
  app(input: { stage: string }): Promise<DeployPlan["app"]>;
  run(): Promise<Record<string, unknown>>;
};

/**
 * Runs `sst.config.ts` for a stage the way `sst deploy` evaluates it (SST's globals, its `run` wrapper and its
 * stack transformations), with Pulumi's runtime mocks in place of AWS and a stub of the CLI's RPC server, and
 * records every resource it would create. One stage per process: Pulumi's runtime state is global.
 */
export const planDeploy = async (stage: string): Promise<DeployPlan> => {
  const workDir = await mkdtemp(join(tmpdir(), "chat-sst-plan-"));
  const bundleDir = join(workDir, "bundle");
  await mkdir(bundleDir);
  await writeFile(join(bundleDir, "index.mjs"), "export const handler = async () => ({});\n");
  const builds: BuildRequest[] = [];
  const rpc = await startRpcStub(bundleDir, builds);
  const previousServer = process.env.SST_SERVER;
  process.env.SST_SERVER = rpc.url;
  const previousCwd = process.cwd();

  try {
    const pulumi = await importFile<typeof Pulumi>(join(platformDir, "node_modules/@pulumi/pulumi/index.js"));
    const resources: PlannedResource[] = [];
    const retained = new Map<string, boolean>();
    await pulumi.runtime.setMocks(
      {
        newResource: ({ type, name, inputs, id }) => {
          // Reads of existing resources (`.get`) are not part of the plan.
          if (!id) {
            resources.push({ type, name, inputs, retainOnDelete: retained.get(`${type}::${name}`) ?? false });
          }
          return { id: id || `${name}-id`, state: mockState(type, name, inputs) };
        },
        call: mockCall,
      },
      "chat",
      stage,
      false,
    );

    // Like the CLI: evaluate `app()` first (with `$config` as the identity), then define `$app` for everything else.
    Object.assign(globalThis, { $config: (input: unknown) => input });
    const config = (await import("../../sst.config.ts")).default as unknown as AppConfig;
    const app = await config.app({ stage });
    Object.assign(globalThis, {
      $app: { ...app, stage, providers: {}, removal: app.removal ?? "retain", protect: app.protect ?? false },
      $dev: false,
      $cli: {
        command: "deploy",
        dev: false,
        paths: { home: workDir, root: repositoryRoot, work: workDir, platform: platformDir },
        state: { version: {} },
      },
    });
    // The `$`-globals and provider namespaces SST's CLI injects into the config's bundle.
    Object.assign(globalThis, {
      // Plain JavaScript without types, imported by path so that Vitest still transforms it (it imports TypeScript).
      ...((await import(/* @vite-ignore */ join(platformDir, "src/shim/run.js"))) as Record<string, unknown>),
      aws: await importFile(join(platformDir, "node_modules/@pulumi/aws/index.js")),
      sst: await import("../../.sst/platform/src/components/index.ts"),
    });

    const { run } = await import("../../.sst/platform/src/auto/run.ts");
    const outputs = (await pulumi.runtime.runInPulumiStack(() =>
      run(async () => {
        // Registered after SST's own stack transformations, so it sees the `retainOnDelete` they decide.
        pulumi.runtime.registerStackTransformation((args) => {
          retained.set(`${args.type}::${args.name}`, args.opts.retainOnDelete === true);
          return undefined;
        });
        return config.run();
      }),
    )) as Record<string, unknown>;
    // Resource registrations wait on outputs that wait on the RPC stub: let all of them finish.
    await pulumi.runtime.disconnect();
    await settle(() => resources.length + rpc.pending());
    return { app, outputs, resources, builds };
  } finally {
    process.chdir(previousCwd);
    if (previousServer === undefined) delete process.env.SST_SERVER;
    else process.env.SST_SERVER = previousServer;
    await rpc.close();
    await rm(workDir, { recursive: true, force: true });
  }
};

// Components create some resources from inside `apply` callbacks: wait until nothing changes any more.
const settle = async (progress: () => number) => {
  let seen = -1;
  while (seen !== progress()) {
    seen = progress();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
