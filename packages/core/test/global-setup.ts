import { setupForTests } from "@chat/dynamodb-local/environment";
import { localTableName, resourceEnvironment } from "../src/resources";
import { ensureTable } from "../src/table";

// The real DynamoDB Local with the table, once per run.
export default () =>
  setupForTests(async (client) => {
    const name = localTableName("test");
    await ensureTable(client, name);
    return resourceEnvironment("test", { Table: { name } });
  });
