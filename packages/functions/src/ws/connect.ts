import * as Connection from "@chat/core/connection";
import { AppError } from "@chat/core/error";
import * as Room from "@chat/core/room";
import { ConnectQuery } from "@chat/types";
import { resolveCaller, socketIdentity } from "../edge/identity";
import { validate } from "../edge/input";
import { socket } from "../edge/socket";
import { fanOut } from "../fan-out";
import { pruneGhosts } from "../ghosts";
import { MetricUnit, metrics } from "../observability";
import { config } from "../runtime-config";

export const handler = socket(async ({ event, connectionId, log }) => {
  const identity = socketIdentity(event.requestContext);
  const { roomId, ...given } = validate(ConnectQuery, queryOf(event), "connect query");
  const { userId, username, admin } = resolveCaller(identity, given, { what: "connect query" });
  // The handshake's room is its first subscription: only for those who may read it (403 refuses the handshake).
  await Room.check("read", roomId, { userId, username, admin });
  const query = { roomId, userId, username };
  const maxConnections = config.settings.limits.connectionsPerUser;
  const attempt = () => Connection.connect({ connectionId, ...query, maxConnections });
  let result = await attempt();
  // At the cap: some counted connections may be gone without a `$disconnect`; free their places and try once more.
  if (!result.connected && (await pruneGhosts(query.userId, log)) > 0) result = await attempt();
  if (!result.connected) {
    throw new AppError("rate_limited", `At most ${maxConnections} connections per user`, undefined, {
      retryAfter: 60,
    });
  }
  log.info({ roomId: query.roomId, userId: query.userId }, "connected");
  if (result.presence) {
    await fanOut(query.roomId, { type: "presence", event: "join", ...result.presence }, log, {
      except: connectionId,
    });
  }
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
