import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "@chat/core/dynamo";
import { decodeTime, monotonicFactory } from "ulid";
import { putMessage } from "./items";
import { arrivals, listen } from "./listener";
import type { BenchContext } from "./scenario";

const ROOM = "bench-drain";
const nextId = monotonicFactory();

/**
 * Waits until the stack's stream poller has broadcast everything written so far: a marker message goes in
 * behind it, and its frame comes out after it. Every message a load round writes is a stream record the local
 * broadcaster handles in the stack's one process, so a round that leaves a backlog would slow the next one.
 */
export const openDrain = async ({ wsUrl, tableName }: BenchContext) => {
  const frames = arrivals();
  const listener = await listen(wsUrl, { roomId: ROOM, userId: "drain", username: "Drain" }, frames.arrive);
  let sequence = 0;
  return {
    /** Resolves once the stream has caught up; rejects after `timeoutMs`. */
    drain: async (timeoutMs = 300_000): Promise<void> => {
      const id = nextId(Date.now());
      const text = `drain ${sequence++}`;
      const arrived = frames.expect(text, 1, timeoutMs);
      await documentClient.send(
        new PutCommand(
          putMessage(tableName, {
            roomId: ROOM,
            id,
            userId: "drain",
            username: "Drain",
            text,
            createdAt: new Date(decodeTime(id)).toISOString(),
          }),
        ),
      );
      await arrived;
    },
    close: () => listener.close(),
  };
};

/** Waits once for the stream to catch up (see `openDrain`). */
export const drainStream = async (context: BenchContext): Promise<void> => {
  const stream = await openDrain(context);
  try {
    await stream.drain();
  } finally {
    await stream.close();
  }
};
