import { TableDefinition } from "@chat/core/table-definition";
import { expect, it } from "vitest";
import { Types } from "../plan-queries";
import type { StagePlanContext } from "./context";

/** The one table: built from the table definition, and kept or let go by the stage. */
export const describeTable = (ctx: StagePlanContext) => {
  const { config } = ctx;

  it("creates the one table from the table definition: keys, gsi1, TTL and a stream of the definition's view", () => {
    const table = ctx.q.one(Types.table);
    const { partitionKey, sortKey, globalIndexes, ttlAttribute, streamView } = TableDefinition;
    expect(table.inputs).toMatchObject({
      hashKey: partitionKey,
      rangeKey: sortKey,
      billingMode: "PAY_PER_REQUEST",
      ttl: { attributeName: ttlAttribute, enabled: true },
      streamEnabled: true,
      streamViewType: streamView,
    });
    expect(table.inputs.globalSecondaryIndexes).toEqual(
      Object.entries(globalIndexes).map(([name, index]) => ({
        name,
        hashKey: index.partitionKey,
        rangeKey: index.sortKey,
        ...(typeof index.projection === "string"
          ? { projectionType: index.projection }
          : { projectionType: "INCLUDE", nonKeyAttributes: [...index.projection] }),
      })),
    );
    const keyNames = [
      partitionKey,
      sortKey,
      ...Object.values(globalIndexes).flatMap((i) => [i.partitionKey, i.sortKey]),
    ];
    expect(table.inputs.attributes).toEqual(keyNames.map((name) => ({ name, type: "S" })));
  });

  it(
    config.production
      ? "keeps the table: deletion protection, retained on removal, and the stage protected"
      : "lets the stage go: no deletion protection, nothing retained, not protected",
    () => {
      const table = ctx.q.one(Types.table);
      expect(table.inputs.deletionProtectionEnabled).toBe(config.production);
      expect(table.retainOnDelete).toBe(config.production);
      expect(ctx.plan.app.removal).toBe(config.production ? "retain" : "remove");
      expect(ctx.plan.app.protect).toBe(config.production);
      expect(ctx.plan.outputs._protect).toBe(config.production);
      // Nothing but the table holds data worth keeping.
      expect(ctx.plan.resources.filter((r) => r.retainOnDelete).map((r) => r.type)).toEqual(
        config.production ? [Types.table] : [],
      );
    },
  );
};
