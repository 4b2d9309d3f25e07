import { GoneException } from "@aws-sdk/client-apigatewaymanagementapi";
import * as Connection from "@chat/core/connection";
import type { RemovalReason } from "@chat/core/member";
import { announceDepartures } from "../fan-out";
import { encodeFrame, postToConnection } from "../management-api";
import type { Logger } from "../observability";

/**
 * After a user left, was removed or was banned: ends their subscriptions to the room on all their connections and
 * tells each of them (`{ type: "unsubscribed", roomId, reason }`) before the REST call returns. The broadcaster reads
 * a room's subscriptions when it delivers, so from then on no frame of the room reaches them, not even one of a
 * message stored before and still in the stream. The room hears the departure at once (no settle time: nobody
 * flaps a removal). Costs what `Connection.revoke` does, plus one post per connection the user had subscribed.
 */
export const endMembership = async (
  roomId: string,
  userId: string,
  reason: RemovalReason,
  log: Logger,
): Promise<Connection.Revocation> => {
  const revocation = await Connection.revoke(roomId, userId);
  const frame = encodeFrame({ type: "unsubscribed", roomId, reason });
  await Promise.all(
    revocation.connectionIds.map((connectionId) =>
      postToConnection(connectionId, frame).catch((error: unknown) => {
        // Gone already: nobody to tell. Anything else is logged; the subscription is gone either way.
        if (!(error instanceof GoneException))
          log.warn({ err: error, connectionId }, "could not tell a connection");
      }),
    ),
  );
  if (revocation.departure) await announceDepartures([revocation.departure], log, { settleMs: 0 });
  log.info({ roomId, userId, reason, connections: revocation.connectionIds.length }, "membership ended");
  return revocation;
};
