import * as Connection from "@chat/core/connection";
import { socket } from "../edge/socket";
import { MetricUnit, metrics } from "../observability";

export const handler = socket(async ({ connectionId }) => {
  await Connection.disconnect(connectionId);
  metrics.addDimension("EventType", "disconnect");
  metrics.addMetric("ConnectionEvents", MetricUnit.Count, 1);
  return { status: 200 };
});
