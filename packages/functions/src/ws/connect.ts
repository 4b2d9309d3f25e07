import * as Connection from "@chat/core/connection";
import { AppError } from "@chat/core/error";
import { ConnectQuery } from "@chat/types";
import { assertSameUser, socketIdentity } from "../edge/identity";
import { validate } from "../edge/input";
import { socket } from "../edge/socket";
import { fanOut } from "../fan-out";
import { MetricUnit, metrics } from "../observability";
import { config } from "../runtime-config";

export const handler = socket(async ({ event, connectionId, log }) => {
  const identity = socketIdentity(event.requestContext);
  const query = validate(ConnectQuery, queryOf(event), "connect query");
  assertSameUser(identity, query.userId);
  const { connectionsPerUser } = config.settings.limits;
  if ((await Connection.countForUser(query.userId)) >= connectionsPerUser) {
    throw new AppError("rate_limited", `At most ${connectionsPerUser} connections per user`, undefined, {
      retryAfter: 60,
    });
  }
  const joined = await Connection.connect({ connectionId, ...query });
  log.info({ roomId: query.roomId, userId: query.userId }, "connected");
  if (joined)
    await fanOut(joined.roomId, { type: "presence", event: "join", ...joined }, log, {
      except: connectionId,
    });
  metrics.addDimension("EventType", "connect");
  metrics.addMetric("ConnectionEvents", MetricUnit.Count, 1);
  return { status: 200 };
});

// API Gateway passes repeated parameters in `multiValueQueryStringParameters`: keep them as arrays so the
// schema refuses them. The token is the authorizer's business, not part of the query contract.
const queryOf = (event: { multiValueQueryStringParameters?: Record<string, string[] | undefined> }) =>
  Object.fromEntries(
    Object.entries(event.multiValueQueryStringParameters ?? {})
      .filter(([key]) => key !== "token")
      .map(([key, values = []]) => [key, values.length === 1 ? values[0] : values]),
  );
