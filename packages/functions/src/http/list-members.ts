import * as Presence from "@chat/core/presence";
import { type MembersResponse, RoomPath } from "@chat/types";
import { http } from "../edge/http";

export const handler = http({ params: RoomPath }, async ({ params }) => ({
  status: 200,
  body: { roomId: params.roomId, members: await Presence.list(params.roomId) } satisfies MembersResponse,
}));
