import { GetConnectionCommand, GoneException } from "@aws-sdk/client-apigatewaymanagementapi";
import * as Connection from "@chat/core/connection";
import { HANDSHAKE_GRACE_MS, prune } from "./fan-out";
import { managementApi } from "./management-api";
import type { Logger } from "./observability";

/**
 * Frees the places of a user's connections that API Gateway no longer knows (a handshake aborted after `$connect`,
 * a `$disconnect` that never ran): asks the management API about each counted connection, prunes the gone ones,
 * and recounts. Called only when the user is at the cap, so the cost (one GET per counted connection) is rare.
 */
export const pruneGhosts = async (userId: string, log: Logger): Promise<number> => {
  const counted = await Connection.ofUser(userId);
  const gone = await Promise.all(
    counted.map(async ({ connectionId, connectedAt }) => {
      if (Date.now() - Date.parse(connectedAt) < HANDSHAKE_GRACE_MS) return false;
      try {
        await managementApi().send(new GetConnectionCommand({ ConnectionId: connectionId }));
        return false;
      } catch (error) {
        if (!(error instanceof GoneException)) throw error;
        await prune(connectionId, log);
        return true;
      }
    }),
  );
  await Connection.recount(userId);
  const pruned = gone.filter(Boolean).length;
  if (pruned > 0) log.info({ userId, pruned }, "pruned gone connections at the cap");
  return pruned;
};
