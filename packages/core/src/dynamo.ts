import { createRequire } from "node:module";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Resource } from "sst/resource";
import { provideDocumentLib } from "./electrodb-document-lib";
import { deferToFirstUse } from "./first-use";
import { lazy } from "./lazy";

// One client per process, reused across invocations. Keep-alive sockets skip a TLS handshake per call, and the
// timeouts turn an unreachable DynamoDB into a quick `unavailable` instead of a hung request. The agents are given
// as options, not built here: the handler builds the https one and imports `node:http` only for a first plain-http
// request (DynamoDB Local). Importing `node:http` at init costs ~25 ms on Node 22, whose ESM facade of it loads
// undici (its `WebSocket` getter).
const agentOptions = { keepAlive: true, maxSockets: 64 };

/** The DynamoDB client. The endpoint comes from the SDK's own configuration (`AWS_ENDPOINT_URL_DYNAMODB` locally). */
export const client = new DynamoDBClient({
  maxAttempts: 3,
  requestHandler: new NodeHttpHandler({
    httpAgent: agentOptions,
    httpsAgent: agentOptions,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
  }),
});

type DocumentLib = typeof import("@aws-sdk/lib-dynamodb");

// The document client and its commands (with the DynamoDB commands they wrap) are not needed to start: like
// ElectroDB they load before the first invocation that reaches storage (a chunk of their own in a deployed bundle).
let documentLib: DocumentLib | undefined;
/** Keeps the loaded library, and hands it to ElectroDB in a bundle (see electrodb-document-lib.ts): once. */
const loaded = (library: DocumentLib): DocumentLib => {
  documentLib = library;
  provideDocumentLib(library);
  return library;
};
deferToFirstUse(async () => {
  if (!documentLib) loaded(await import("@aws-sdk/lib-dynamodb"));
});

/** `@aws-sdk/lib-dynamodb`, loaded by the edges' `beforeFirstUse()` (unbundled, on first use if not yet). */
export const documentLibrary = (): DocumentLib =>
  documentLib ?? loaded(createRequire(import.meta.url)("@aws-sdk/lib-dynamodb") as DocumentLib);

/** The document client over `client`, built on first use. */
export const documentClient: DynamoDBDocumentClient = lazy(() =>
  documentLibrary().DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  }),
);

/** The table name, read once through SST's `Resource` (linked on AWS, `SST_RESOURCE_Table` locally). */
export const tableName = (): string => Resource.Table.name;
