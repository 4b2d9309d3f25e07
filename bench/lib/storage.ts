import { resourceEnvironment } from "@chat/core/resources";
import { sdkEnvironment } from "@chat/dynamodb-local/environment";

/** The environment that points the AWS SDK and SST's `Resource.Table` at a local DynamoDB and one of its tables. */
export const storageEnvironment = (
  endpoint: string,
  tableName: string,
  stage: string,
): Record<string, string> => ({
  ...sdkEnvironment(endpoint),
  ...resourceEnvironment(stage, { Table: { name: tableName } }),
});
