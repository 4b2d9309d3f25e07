import * as Connection from "@chat/core/connection";
import { type MembersResponse, RoomPath } from "@chat/types";
import { http } from "../edge/http";

export const handler = http({ params: RoomPath }, async ({ params }) => ({
  status: 200,
  body: { roomId: params.roomId, members: await Connection.members(params.roomId) } satisfies MembersResponse,
}));
