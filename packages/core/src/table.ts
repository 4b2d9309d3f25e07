import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { TableDefinition } from "./table-definition";

export { messageChangeFilter, TableDefinition } from "./table-definition";

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
