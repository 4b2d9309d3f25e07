import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ManagementLimits, postGate } from "./management-limits";

/**
 * A management API for connections that have no socket (rows seeded straight into the table, for the big-room
 * bench and tests): every connection exists, each admitted post is counted per connection, and the account's
 * throttle and latency apply as in the stack's own (`management-limits.ts`). Listens on 127.0.0.1 only.
 */
export const startManagementSink = async (limits: ManagementLimits = {}) => {
  let gate = postGate(limits);
  const delivered = new Map<string, number>();
  const lastPostAt = new Map<string, number>();
  const stats = { posts: 0, throttled: 0 };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", async () => {
      const match = /^\/@connections\/([^/?]+)$/.exec(req.url ?? "");
      if (req.method !== "POST" || !match?.[1]) {
        res.writeHead(404, { "x-amzn-errortype": "NotFoundException" }).end('{"message":"Not Found"}');
        return;
      }
      if (!gate.admit()) {
        stats.throttled++;
        res
          .writeHead(429, {
            "content-type": "application/json",
            "x-amzn-errortype": "LimitExceededException",
          })
          .end('{"message":"Rate exceeded"}');
        return;
      }
      await gate.delay();
      const connectionId = decodeURIComponent(match[1]);
      delivered.set(connectionId, (delivered.get(connectionId) ?? 0) + 1);
      stats.posts++;
      lastPostAt.set(connectionId, performance.now());
      res.writeHead(200).end();
    });
  });
  // Many keep-alive sockets from the posting side: no per-request socket cap here.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    /** Posts delivered to each connection id. */
    delivered,
    /** When each connection id's last post was admitted (`performance.now()` of this process). */
    lastPostAt,
    stats,
    /** Applies new limits from now on (a full bucket). */
    setLimits: (next: ManagementLimits) => {
      gate = postGate(next);
    },
    reset: () => {
      delivered.clear();
      lastPostAt.clear();
      Object.assign(stats, { posts: 0, throttled: 0 });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

export type ManagementSink = Awaited<ReturnType<typeof startManagementSink>>;
