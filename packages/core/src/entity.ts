import { createRequire } from "node:module";
import { documentClient, tableName } from "./dynamo";
import { TableDefinition } from "./table";

type ElectroDB = typeof import("electrodb");

// ElectroDB is ~200 KB of CommonJS plus jsonschema, and each entity validates its model with jsonschema when it is
// built: together about half of a storage handler's cold init. Both wait for the first use of an entity, so a
// handler loads ElectroDB only when an invocation reaches storage, and builds only the entities it touches. A free
// `require` call is one esbuild bundles and evaluates where it is called (SST's banner defines `require` in the
// bundle); unbundled (tests, the local stack) the module is required through `createRequire`.
let electrodb: ElectroDB | undefined;
const loadElectroDB = (): ElectroDB => {
  electrodb ??=
    typeof require === "function" ? require("electrodb") : createRequire(import.meta.url)("electrodb");
  return electrodb as ElectroDB;
};

/**
 * An object built by `build` on its first use (any property read), then forwarded to. Methods are bound to the
 * built object, so ElectroDB's chains see their own `this`.
 */
export const lazy = <T extends object>(build: () => T): T => {
  let value: T | undefined;
  const target = (): T => {
    value ??= build();
    return value;
  };
  return new Proxy({} as T, {
    get: (_, key) => {
      const object = target();
      const property: unknown = Reflect.get(object, key, object);
      return typeof property === "function" ? property.bind(object) : property;
    },
    set: (_, key, property) => Reflect.set(target(), key, property),
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
      // A proxy may only report a property as non-configurable if its own target has it so.
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
  });
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
