import * as Connection from "@chat/core/connection";
import { socket } from "../edge/socket";
import { announceDepartures } from "../fan-out";
import { MetricUnit, metrics } from "../observability";

export const handler = socket(async ({ connectionId, log }) => {
  await announceDepartures(await Connection.disconnect(connectionId), log);
  metrics.addDimension("EventType", "disconnect");
  metrics.addMetric("ConnectionEvents", MetricUnit.Count, 1);
  return { status: 200 };
});
