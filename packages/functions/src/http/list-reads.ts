import * as Read from "@chat/core/read";
import { Limits, ReadsResponse, RoomPath } from "@chat/types";
import { asReader } from "../edge/caller";
import { http, type Operation } from "../edge/http";

export const operation = {
  operationId: "listReads",
  summary: "Who has read how far in a room (read receipts)",
  description:
    "Each reader's read cursor, by user id. Kept for rooms of up to " +
    `${Limits.readReceiptsMaxReaders} readers (users with a cursor there): in a bigger room 403 \`forbidden\`. ` +
    "For the room's readers.",
  params: RoomPath,
  responses: { 200: { schema: ReadsResponse, description: "The read cursors" } },
  errors: ["validation_failed", "forbidden", "rate_limited", "unavailable"],
} as const satisfies Operation;

export const handler = http(operation, async (request) => {
  const { roomId } = request.params;
  const reads = await asReader(request, (caller) => Read.receipts(roomId, caller));
  return { status: 200, body: { roomId, reads } };
});
