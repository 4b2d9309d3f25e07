import { GoneException } from "@aws-sdk/client-apigatewaymanagementapi";
import * as Connection from "@chat/core/connection";
import type { RemovalReason } from "@chat/core/member";
import { announceDepartures } from "../fan-out";
import { AUDIENCE_MAX_AGE_MS, HANDOVER_MARGIN_MS } from "../fan-out/audience";
import { encodeFrame, postToConnection } from "../management-api";
import type { Logger } from "../observability";

/** How long after a revoke `unsubscribed` is posted: the oldest read a broadcast may still post on, and its hand-over. */
export const REMOVAL_FENCE_MS = AUDIENCE_MAX_AGE_MS + HANDOVER_MARGIN_MS;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * After a user left, was removed or was banned: ends their subscriptions to the room on all their connections and
 * tells each of them (`{ type: "unsubscribed", roomId, reason }`) before the REST call returns. No frame of the
 * room reaches them after it, not even one of a message stored before and still in the stream: a broadcast posts
 * only on a read of the room at most `AUDIENCE_MAX_AGE_MS` old when the post starts, so `unsubscribed` waits that
 * long (plus `HANDOVER_MARGIN_MS`) after the revoke: a post from a read made before it has reached API Gateway by
 * then, which delivers a connection's posts in order. A user with no connection in the room is not waited for. The
 * room hears the departure at once (no settle time: nobody flaps a removal). Costs what `Connection.revoke` does,
 * plus one post per connection the user had subscribed.
 */
export const endMembership = async (
  roomId: string,
  userId: string,
  reason: RemovalReason,
  log: Logger,
): Promise<Connection.Revocation> => {
  const revocation = await Connection.revoke(roomId, userId);
  if (revocation.connectionIds.length > 0) await sleep(REMOVAL_FENCE_MS);
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
