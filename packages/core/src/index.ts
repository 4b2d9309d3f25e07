export * as Connection from "./connection";
export { AppError, storage, toStorageError } from "./error";
export * as Message from "./message";
export * as RateLimit from "./rate-limit";
export * as Room from "./room";
export { createTableInput, ensureTable, messageInsertFilter, TableDefinition } from "./table";
