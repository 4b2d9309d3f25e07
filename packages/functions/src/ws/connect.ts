import { Connection } from "@chat/core";
import { ConnectQuery } from "@chat/types";
import { validate } from "../edge/input";
import { socket } from "../edge/socket";
import { MetricUnit, metrics } from "../observability";

export const handler = socket(async ({ event, connectionId, log }) => {
  const query = validate(ConnectQuery, queryOf(event), "connect query");
  await Connection.connect({ connectionId, ...query });
  log.info({ roomId: query.roomId, userId: query.userId }, "connected");
  metrics.addDimension("EventType", "connect");
  metrics.addMetric("ConnectionEvents", MetricUnit.Count, 1);
  return { status: 200 };
});

// API Gateway passes repeated parameters in `multiValueQueryStringParameters`: keep them as arrays so the
// schema refuses them.
const queryOf = (event: { multiValueQueryStringParameters?: Record<string, string[] | undefined> }) =>
  Object.fromEntries(
    Object.entries(event.multiValueQueryStringParameters ?? {}).map(([key, values = []]) => [
      key,
      values.length === 1 ? values[0] : values,
    ]),
  );
