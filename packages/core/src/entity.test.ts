import * as ElectroDB from "electrodb";
import { describe, expect, it } from "vitest";
import { Entity, entityConfig, keys, Service } from "./entity";

const model = {
  model: { entity: "probe", service: "chat", version: "1" },
  attributes: {
    probeId: { type: "string", required: true },
    note: { type: "string" },
  },
  indexes: { byId: keys.primary(["probeId"], []) },
} as const;

describe("Entity and Service, built on first use", () => {
  it("builds an entity only when it is first used, so a handler's init skips ElectroDB's model validation", () => {
    // ElectroDB validates a model when the entity is built: an invalid one throws then.
    const invalid = {
      model: { entity: "probe", service: "chat", version: "1" },
      attributes: {},
      indexes: 42,
    };

    const entity = new Entity(invalid as never, entityConfig());

    expect(() => (entity as unknown as { schema: unknown }).schema).toThrow(/index/i);
  });

  it("builds the same requests as an entity built at once", () => {
    const lazy = new Entity(model, entityConfig());
    const eager = new ElectroDB.Entity(model, entityConfig());

    expect(lazy.put({ probeId: "p1", note: "n" }).params()).toEqual(
      eager.put({ probeId: "p1", note: "n" }).params(),
    );
    expect(lazy.query.byId({ probeId: "p1" }).params()).toEqual(eager.query.byId({ probeId: "p1" }).params());
  });

  it("runs a service's transaction over lazily built entities against DynamoDB Local", async () => {
    const probes = new Service({ probe: new Entity(model, entityConfig()) }, entityConfig());
    const probeId = `probe-${process.pid}-${Date.now()}`;

    const { canceled } = await probes.transaction
      .write(({ probe }) => [probe.put({ probeId, note: "written" }).commit()])
      .go();

    expect(canceled).toBe(false);
    const { data } = await new Entity(model, entityConfig()).get({ probeId }).go();
    expect(data).toMatchObject({ probeId, note: "written" });
  });
});
