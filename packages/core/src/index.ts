// Lambda handlers import a namespace from its own module (`import * as Message from "@chat/core/message"`):
// through these re-exports esbuild keeps everything a namespace offers, and a handler that only reads would load
// (and build the entities of) the whole send path.
export * as Ban from "./ban";
export * as Connection from "./connection";
export { AppError, storage, toStorageError } from "./error";
export * as Member from "./member";
export * as Message from "./message";
export * as Presence from "./presence";
export * as RateLimit from "./rate-limit";
export * as Read from "./read";
export * as Room from "./room";
export { createTableInput, ensureTable, messageChangeFilter, TableDefinition } from "./table";
