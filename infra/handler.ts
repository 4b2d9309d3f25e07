import { type HandlerModule, postsToConnections, sstHandler } from "@chat/functions/routes";
import type { FunctionKind, StageConfig } from "./config";

/** What a handler may be linked to: always the table and the settings, and the WebSocket API if it posts to it. */
export interface HandlerLinks {
  table: sst.aws.Dynamo;
  settings: sst.Linkable<Record<string, unknown>>;
  realtime?: sst.aws.ApiGatewayWebSocket;
}

const posts = (module: HandlerModule): boolean =>
  (postsToConnections as readonly HandlerModule[]).includes(module);

/**
 * The Lambda function of a handler module, built the same way for every route: Node.js 22 on arm64, a minified ESM
 * bundle (the AWS SDK inside it: no SDK version drift, faster cold starts), sized by its kind. Resources reach the
 * handler only through links; linking the WebSocket API is what grants `execute-api:ManageConnections`, so only
 * the handlers listed in `postsToConnections` get it.
 */
export const handlerFunction = (
  config: StageConfig,
  module: HandlerModule,
  kind: FunctionKind,
  links: HandlerLinks,
  extra: Pick<sst.aws.FunctionArgs, "permissions"> = {},
): sst.aws.FunctionArgs => {
  if (posts(module) && !links.realtime) {
    throw new Error(`${module} posts to WebSocket connections: link it to the WebSocket API`);
  }
  const { memoryMb, timeoutSeconds } = config.functions[kind];
  return {
    handler: sstHandler(module),
    runtime: "nodejs22.x",
    architecture: "arm64",
    memory: `${memoryMb} MB`,
    timeout: `${timeoutSeconds} seconds`,
    logging: { retention: config.logRetention },
    // Names are not kept: SST keeps them by default, which costs each function ~5 ms of cold init (a `__name` call
    // per function and class); nothing here reads a function's name (errors carry theirs in `name`).
    nodejs: { format: "esm", minify: true, esbuild: { keepNames: false } },
    link: [links.table, links.settings, ...(posts(module) && links.realtime ? [links.realtime] : [])],
    ...extra,
  };
};
