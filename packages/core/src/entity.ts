import { createRequire } from "node:module";
import { documentClient, tableName } from "./dynamo";
import { deferToFirstUse } from "./first-use";
import { lazy } from "./lazy";
import { TableDefinition } from "./table-definition";

type ElectroDB = typeof import("electrodb");

// ElectroDB is ~200 KB of CommonJS plus jsonschema, and each entity validates its model with jsonschema when it is
// built: together about half of a storage handler's cold init. None of it waits in the handler's bundle: the dynamic
// `import()` makes ElectroDB a chunk of its own (SST's `splitting`), read when the first invocation reaches the
// edge's `beforeFirstUse()`, and each entity is built on its first use, so a handler builds only what it touches.
// Unbundled (tests, scripts) an entity used before that load requires the package directly.
let electrodb: ElectroDB | undefined;
deferToFirstUse(async () => {
  const module = (await import("electrodb")) as ElectroDB & { default?: ElectroDB };
  electrodb ??= module.default ?? module;
});
const loadElectroDB = (): ElectroDB => {
  electrodb ??= createRequire(import.meta.url)("electrodb") as ElectroDB;
  return electrodb;
};

// A constructor whose instances are built lazily: `new Entity(model, config)` returns at once, and the ElectroDB
// entity is built (and ElectroDB loaded) on the first use of the result.
const lazyClass = <C extends abstract new (...args: never[]) => object>(load: () => C): C =>
  new Proxy(class {} as unknown as C, {
    construct: (_, args) => lazy(() => Reflect.construct(load(), args) as object),
  });

/** ElectroDB's `Entity`, built on first use. Entities import it from here rather than from `electrodb`. */
export const Entity: ElectroDB["Entity"] = lazyClass(() => loadElectroDB().Entity);

/** ElectroDB's `Service`, built on first use (with its entities). */
export const Service: ElectroDB["Service"] = lazyClass(() => loadElectroDB().Service);

/** ElectroDB configuration shared by every entity: the one table and the one client. */
export const entityConfig = () => ({ table: tableName(), client: documentClient });

const { partitionKey, sortKey, globalIndexes } = TableDefinition;

/**
 * Key fields of the table definition, for entity indexes. Keys keep their case (`casing: "none"`): user ids
 * and ULIDs are case-sensitive.
 */
export const keys = {
  primary: <const P extends readonly string[], const S extends readonly string[]>(pk: P, sk: S) => ({
    pk: { field: partitionKey, composite: pk, casing: "none" as const },
    sk: { field: sortKey, composite: sk, casing: "none" as const },
  }),
  gsi1: <const P extends readonly string[], const S extends readonly string[]>(pk: P, sk: S) => ({
    index: "gsi1" as const,
    pk: { field: globalIndexes.gsi1.partitionKey, composite: pk, casing: "none" as const },
    sk: { field: globalIndexes.gsi1.sortKey, composite: sk, casing: "none" as const },
  }),
} as const;

/** Seconds since the epoch, as DynamoDB's TTL expects. */
export const epochSeconds = (date = new Date()): number => Math.floor(date.getTime() / 1000);
