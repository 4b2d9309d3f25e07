import type { LambdaClient } from "@aws-sdk/client-lambda";
import type * as Connection from "@chat/core/connection";
import { type ServerFrame, ServerFrame as ServerFrameSchema } from "@chat/types";
import { Resource } from "sst/resource";
import * as v from "valibot";
import { type Delivery, deliver, noDelivery, pagesFrom, pagesOf } from "../fan-out";
import { encodeFrame } from "../management-api";
import type { Logger } from "../observability";
import { defaultSettings } from "../settings";
import type { AudiencePage } from "./audience";

/**
 * A room with more subscribed connections than this (by default; the stage's `limits.fanOutShardSize`) is fanned
 * out by fan-out workers, one shard of this many connections each, in parallel; a smaller room is posted by the broadcaster itself (today's single invocation, no
 * added latency). One worker posts 2,000 connections in well under a second at AWS's rate (see the README's
 * Performance section), and the broadcaster's paging cost per shard (one Query of ~2,000 keys) stays small.
 */
export const SHARD_SIZE = defaultSettings.limits.fanOutShardSize;

/** How many times the connections still owed a frame are handed to a new worker before they are given up. */
export const MAX_HANDOFFS = 5;

/** One shard of a big room's fan-out: the worker's whole input (an asynchronous invocation's payload). */
export const Shard = v.object({
  roomId: v.pipe(v.string(), v.minLength(1)),
  frame: ServerFrameSchema,
  /**
   * Either a slice of the room index, read by the worker itself (so a subscription revoked since the broadcaster
   * paged the room is honoured): the connection ids after `after` (from the start when null) up to and with
   * `until` (to the end when absent)...
   */
  range: v.optional(v.object({ after: v.nullable(v.string()), until: v.optional(v.string()) })),
  /** ...or the connections a previous invocation could not reach before its deadline (and only those). */
  connections: v.optional(v.array(v.object({ connectionId: v.string(), connectedAt: v.string() }))),
  /** How many invocations handed these connections on already. */
  handoffs: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type Shard = v.InferOutput<typeof Shard>;

let lambda: LambdaClient | undefined;

/**
 * The worker's function name: its link tells the broadcaster; the worker, handing connections on to itself, is not
 * linked to itself (a cycle in infra) and reads its own name from Lambda's environment.
 */
const workerName = (): string => {
  if ("FanOutWorker" in Resource) return Resource.FanOutWorker.name;
  const own = process.env.AWS_LAMBDA_FUNCTION_NAME;
  if (!own) throw new Error("No fan-out worker: link FanOutWorker to this function");
  return own;
};

/**
 * Starts a fan-out worker on a shard: an asynchronous invocation (`Event`: Lambda queues it and answers 202 at
 * once), so the broadcaster never waits for the posts. Throws when it could not be queued. The Lambda client loads
 * on the first big room (a chunk of its own when bundled): a broadcaster that only ever serves small rooms never
 * reads it, and its cold start does not either.
 */
export const dispatch = async (shard: Shard): Promise<void> => {
  const { LambdaClient, InvokeCommand } = await import("@aws-sdk/client-lambda");
  lambda ??= new LambdaClient({});
  await lambda.send(
    new InvokeCommand({
      FunctionName: workerName(),
      InvocationType: "Event",
      Payload: Buffer.from(JSON.stringify(shard)),
    }),
  );
};

/** What the broadcaster did with a message: posted it itself (a small room) or handed `shards` to workers. */
export type RoomBroadcast = Delivery & { shards: number };

/**
 * Broadcasts a frame to a room: a room of at most `shardSize` connections is posted here, a bigger one is cut
 * into shards of `shardSize` consecutive connections of the room index, each handed to a worker as soon as its
 * page is read (the reads are keys-only pages; the worker reads its slice again, as the audience at post time).
 * Connections still owed the frame at `deadline` are handed to a worker too, so the stream record is never
 * redelivered to the whole room; `retry` > 0 is left only when that hand-off (or reading the room) failed.
 */
export const broadcastToRoom = async (
  roomId: string,
  frame: ServerFrame,
  log: Logger,
  { deadline, shardSize = SHARD_SIZE }: { deadline: number; shardSize?: number },
): Promise<RoomBroadcast> => {
  const pages = pagesOf(roomId, { limit: shardSize });
  const first = await pages.next();
  const second = first.done ? undefined : await pages.next();
  if (first.done || !second || second.done || second.value.listeners.length === 0) {
    const delivery = await deliver(pagesFrom(first.done ? [] : [first.value]), frame, log, { deadline });
    return { ...(await handOn(roomId, frame, delivery, 0, log)), shards: 0 };
  }
  // Shard k covers the room index after page k-1's cursor up to page k's last connection; the last one is open.
  let shards = 0;
  let after: string | null = null;
  let page: Connection.RoomListener[] = first.value.listeners;
  let next: IteratorResult<AudiencePage> = second;
  const dispatched: Promise<void>[] = [];
  for (;;) {
    const last = next.done || next.value.listeners.length === 0;
    const until = last ? undefined : page.at(-1)?.connectionId;
    dispatched.push(dispatch({ roomId, frame, range: { after, ...(until && { until }) }, handoffs: 0 }));
    shards++;
    if (last) break;
    after = page.at(-1)?.connectionId ?? null;
    page = next.value.listeners;
    next = await pages.next();
  }
  const results = await Promise.allSettled(dispatched);
  const refused = results.filter((result) => result.status === "rejected");
  if (refused.length > 0)
    log.error({ err: refused[0]?.reason, refused: refused.length }, "could not start shards");
  return { ...noDelivery(), retry: refused.length, shards };
};

/**
 * Hands the connections a fan-out could not reach to a new worker (at most `MAX_HANDOFFS` times in a row), so only
 * they are posted again. Returns the delivery with `retry` left > 0 when that failed.
 */
export const handOn = async (
  roomId: string,
  frame: ServerFrame,
  delivery: Delivery,
  handoffs: number,
  log: Logger,
): Promise<Delivery> => {
  const { undelivered } = delivery;
  if (undelivered.length === 0) return delivery;
  if (handoffs >= MAX_HANDOFFS) {
    log.error(
      { roomId, connections: undelivered.length, handoffs },
      "gave up on connections after hand-offs",
    );
    return {
      ...delivery,
      retry: delivery.retry - undelivered.length,
      failed: delivery.failed + undelivered.length,
    };
  }
  try {
    await dispatch({ roomId, frame, connections: undelivered, handoffs: handoffs + 1 });
    log.warn(
      { roomId, connections: undelivered.length },
      "handed undelivered connections to a fan-out worker",
    );
    return { ...delivery, retry: delivery.retry - undelivered.length };
  } catch (error) {
    log.error({ err: error, roomId }, "could not hand undelivered connections on");
    return delivery;
  }
};

/**
 * A worker's shard: its slice read and posted, the connections it could not reach handed on. Connections handed
 * on from another invocation were read there, too long ago: their span of the room is read again before any post.
 */
export const fanOutShard = async (shard: Shard, log: Logger, { deadline }: { deadline: number }) => {
  const { roomId, frame, range, connections, handoffs } = shard;
  const data = encodeFrame(frame);
  // The slice is read before the first post: a failed read throws (nothing posted yet, so the invocation may be
  // retried as a whole), and afterwards nothing throws.
  const pages: AudiencePage[] = connections
    ? [{ roomId, listeners: connections, readAt: Number.NEGATIVE_INFINITY }]
    : [];
  if (range) {
    for await (const page of pagesOf(roomId, {
      ...(range.after !== null && { after: range.after }),
      ...(range.until !== undefined && { until: range.until }),
      limit: SHARD_SIZE,
    })) {
      pages.push(page);
    }
  }
  const delivery = await deliver(pagesFrom(pages), data, log, { deadline });
  return handOn(roomId, frame, delivery, handoffs, log);
};
