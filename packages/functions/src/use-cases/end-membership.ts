import * as Connection from "@chat/core/connection";
import type { RemovalReason } from "@chat/core/member";
import type { Logger } from "../observability";

/**
 * After a user left, was removed or banned: ends their subscriptions to the room on all their connections before
 * the REST call returns, so the broadcaster no longer finds them there. Returns the connections it unsubscribed,
 * which are to be told (`{ type: "unsubscribed", roomId, reason }`: the socket side's part).
 */
export const endMembership = async (
  roomId: string,
  userId: string,
  reason: RemovalReason,
  log: Logger,
): Promise<Connection.Revocation> => {
  const revocation = await Connection.revoke(roomId, userId);
  log.info({ roomId, userId, reason, connections: revocation.connectionIds.length }, "membership ended");
  return revocation;
};
