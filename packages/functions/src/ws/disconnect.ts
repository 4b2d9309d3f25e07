import * as Connection from "@chat/core/connection";
import { socket } from "../edge/socket";
import { announceDepartures } from "../fan-out";
import { MetricUnit, metrics } from "../observability";
import { config } from "../runtime-config";

export const handler = socket(async ({ connectionId, log }) => {
  const departures = await Connection.disconnect(connectionId);
  await announceDepartures(departures, log, { settleMs: config.settings.limits.presenceSettleMs });
  metrics.addDimension("EventType", "disconnect");
  metrics.addMetric("ConnectionEvents", MetricUnit.Count, 1);
  return { status: 200 };
});
