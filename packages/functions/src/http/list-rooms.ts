import * as Room from "@chat/core/room";
import type { ListRoomsResponse } from "@chat/types";
import { http } from "../edge/http";

export const handler = http({}, async () => ({
  status: 200,
  body: { rooms: await Room.list() } satisfies ListRoomsResponse,
}));
