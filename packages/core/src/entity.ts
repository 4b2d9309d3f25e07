import { documentClient, tableName } from "./dynamo";
import { TableDefinition } from "./table";

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
