// esbuild plugins for the Lambda bundles: SST loads this file (`nodejs.plugins` in handler.ts, a path from
// sst.config.ts), and sst-bundle.ts bundles with the same list for the bundle tests and the bench. Plain JavaScript,
// as SST runs it with Node.js.

/** @import { Plugin } from "esbuild" */

const documentLib = "@aws-sdk/lib-dynamodb";

/**
 * ElectroDB (CommonJS) requires `@aws-sdk/lib-dynamodb`. A `require()` of an ES module makes esbuild wrap it and all
 * it imports in lazy initialisers, which cannot be tree-shaken: the whole DynamoDB client package would then run at
 * every storage handler's init (its 57 commands, waiters and schemas). ElectroDB's require is pointed at
 * `@chat/core/electrodb-document-lib` instead, which hands ElectroDB the commands of the library that @chat/core
 * loads itself, as an ES module, before the first invocation.
 * @type {Plugin}
 */
export const electrodbDocumentLib = {
  name: "electrodb-document-lib",
  setup(build) {
    const target = new URL(import.meta.resolve("@chat/core/electrodb-document-lib")).pathname;
    // SST's bridge to Node.js plugins tests the filter against no path at all ("undefined"): match everything, and
    // decide here.
    build.onResolve({ filter: /.*/ }, (args) =>
      args.path === documentLib && /[/\\]electrodb[/\\]/.test(args.importer) ? { path: target } : undefined,
    );
  },
};

/** @type {Plugin[]} */
export default [electrodbDocumentLib];
