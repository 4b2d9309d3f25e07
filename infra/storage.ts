import { Resources } from "@chat/core/resources";
import { TableDefinition } from "@chat/core/table-definition";
import { stageConfig } from "./stage-config";

const config = stageConfig($app.stage);
const { partitionKey, sortKey, globalIndexes, ttlAttribute, streamView } = TableDefinition;

const projections = { ALL: "all", KEYS_ONLY: "keys-only" } as const;
const streams = { NEW_IMAGE: "new-image", NEW_AND_OLD_IMAGES: "new-and-old-images" } as const;

const keyNames = [
  partitionKey,
  sortKey,
  ...Object.values(globalIndexes).flatMap((index) => [index.partitionKey, index.sortKey]),
];

/**
 * The one table, built from the table definition the entities and the local stack use. Production keeps it:
 * deletion protection here, `removal: "retain"` and `protect` in the app config.
 */
export const table = new sst.aws.Dynamo(Resources.Table, {
  fields: Object.fromEntries(keyNames.map((name) => [name, "string" as const])),
  primaryIndex: { hashKey: partitionKey, rangeKey: sortKey },
  globalIndexes: Object.fromEntries(
    Object.entries(globalIndexes).map(([name, index]) => [
      name,
      {
        hashKey: index.partitionKey,
        rangeKey: index.sortKey,
        // SST reads a list of attributes as an INCLUDE projection.
        projection:
          typeof index.projection === "string" ? projections[index.projection] : [...index.projection],
      },
    ]),
  ),
  ttl: ttlAttribute,
  stream: streams[streamView],
  deletionProtection: config.production,
});
