import { BanEntity } from "../ban/ban-entity";
import { entityConfig, Service } from "../entity";
import { MemberEntity } from "../member/member-entity";
import { RoomEntity } from "./room-entity";

/** Rooms, members and bans, for the transactions that change them together (owner counts, bans removing members). */
export const membership = new Service(
  { room: RoomEntity, member: MemberEntity, ban: BanEntity },
  entityConfig(),
);

export { type Cancellation, failedAt, transact } from "../transaction";
