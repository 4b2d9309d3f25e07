import { TableDefinition } from "@chat/core/table";
import { type CapacityUse, totalUnits } from "../lib/capacity";
import { startHost } from "../lib/host";
import { type BenchContext, type ScenarioResult, times } from "../lib/scenario";
import { quantile } from "../lib/stats";
import { storageEnvironment } from "../lib/storage";
import { hostEnvironment } from "../lib/table";

/**
 * What finding a room's recipients costs in read capacity: ours queries the room on `gsi1`; the baseline scans
 * every connection and keeps the room's. Capacity as DynamoDB Local reports it (ReturnConsumedCapacity INDEXES).
 */
export const run = async (context: BenchContext): Promise<ScenarioResult> => {
  const rooms = 10;
  const perRoom = 100;
  const progress = context.progress(`broadcast read cost, ${rooms} rooms x ${perRoom} connections`);
  const host = await startHost(
    new URL("../hosts/costs.ts", import.meta.url),
    hostEnvironment(storageEnvironment(context.dynamoEndpoint, "bench-read-cost", "bench")),
  );
  const ours: number[] = [];
  const baseline: number[] = [];
  try {
    await host.call("seedRooms", { rooms, perRoom });
    type Read = { found: number; uses: CapacityUse[] };
    for (let room = 0; room < rooms; room++) {
      const roomId = `room-${room}`;
      const sides = [
        async () => {
          const read = await host.call<Read>("readRoom", { roomId });
          if (read.found !== perRoom) throw new Error(`inRoom found ${read.found} of ${perRoom}`);
          ours.push(totalUnits(read.uses));
        },
        async () => {
          const read = await host.call<Read>("scanRoom", { roomId });
          if (read.found !== perRoom) throw new Error(`the scan found ${read.found} of ${perRoom}`);
          baseline.push(totalUnits(read.uses));
        },
      ];
      for (const side of room % 2 === 0 ? sides : sides.reverse()) await side();
      progress.update(`room ${room + 1}/${rooms}`);
    }
  } finally {
    progress.done();
    await host.stop();
  }
  const [o, b] = [quantile(ours, 0.5), quantile(baseline, 0.5)];
  const { projection: indexProjection } = TableDefinition.globalIndexes.gsi1;
  const projection =
    typeof indexProjection === "string" ? indexProjection : `INCLUDE ${indexProjection.join(", ")}`;
  return {
    rows: [
      {
        scenario: `broadcast read cost: a room's ${perRoom} recipients among ${rooms} x ${perRoom} connections`,
        ours: `${o} RCU (Query gsi1, projection ${projection})`,
        baseline: `${b} RCU (Scan)`,
        ratio: `${times(b / o)} fewer`,
        target: ">= 10x fewer RCU",
        met: b / o >= 10,
      },
    ],
    data: { rooms, perRoom, gsi1Projection: projection, oursRcu: ours, baselineRcu: baseline, ratio: b / o },
    notes: [
      `broadcast read cost: a table of its own holding ${rooms} rooms x ${perRoom} connection rows as $connect ` +
        "writes them; ours = `Connection.inRoom` (the broadcaster's read, every page), baseline = a Scan of the " +
        "table filtered to the room; RCU = the sum of ConsumedCapacity that DynamoDB Local returns for every call " +
        "(eventually consistent reads: 0.5 RCU per 4 KB read), asked for by an SDK middleware on the handlers' own " +
        "client, so ElectroDB's requests are measured as they are.",
    ],
  };
};
