import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";

/**
 * The one table: key names, the GSI, the TTL attribute and the stream view. ElectroDB entities, `infra/` and the
 * local stack's CreateTable all read this definition.
 */
export const TableDefinition = {
  partitionKey: "pk",
  sortKey: "sk",
  globalIndexes: {
    /**
     * A room's connections, for the broadcaster. Its projection (an attribute list means INCLUDE, as SST's
     * `projection` takes it) holds just what a broadcast reads: a Query pays for the bytes of the index's items,
     * so whole rows would cost a third more to read, at every message.
     */
    gsi1: { partitionKey: "gsi1pk", sortKey: "gsi1sk", projection: ["connectionId", "connectedAt"] },
  },
  ttlAttribute: "expiresAt",
  streamView: "NEW_IMAGE",
} as const;

/**
 * The broadcaster's event source filter (Lambda filter-pattern syntax): INSERTs of message items. ElectroDB marks
 * every item with its entity name in `__edb_e__`. Read by `infra/` and by the local stream poller.
 */
export const messageInsertFilter = {
  eventName: ["INSERT"],
  dynamodb: { NewImage: { __edb_e__: { S: ["message"] } } },
} as const;

/** CreateTable input for the table definition (on-demand billing, stream on). TTL is set separately. */
export const createTableInput = (tableName: string): CreateTableCommandInput => {
  const { partitionKey, sortKey, globalIndexes, streamView } = TableDefinition;
  const keyNames = [
    partitionKey,
    sortKey,
    ...Object.values(globalIndexes).flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: keyNames.map((name) => ({ AttributeName: name, AttributeType: "S" })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: "HASH" },
      { AttributeName: sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: Object.entries(globalIndexes).map(([name, index]) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: "HASH" },
        { AttributeName: index.sortKey, KeyType: "RANGE" },
      ],
      Projection:
        typeof index.projection === "string"
          ? { ProjectionType: index.projection }
          : { ProjectionType: "INCLUDE", NonKeyAttributes: [...index.projection] },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: streamView },
  };
};

/**
 * Creates the table (with TTL on `expiresAt`) unless it exists, and waits until it is active. Used by the local
 * stack and the tests; on AWS, `infra/` creates it from the same definition.
 */
export const ensureTable = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    return;
  }
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TableDefinition.ttlAttribute, Enabled: true },
    }),
  );
};
