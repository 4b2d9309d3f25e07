import type { PresenceFrame, PresentUser } from "@chat/types";
import type { RestApi } from "./rest-api";

/** A user's first connection joined a room, or their last one left it. */
export type PresenceEvent = Omit<PresenceFrame, "type">;

/** Who is in a room, one entry per user (this user included), after a change. */
export interface MembersChange {
  roomId: string;
  members: PresentUser[];
}

/**
 * Who is in one followed room: read from `members(roomId)`, then kept up to date by presence. Presence that arrives
 * while a read runs is applied on top of what the read returns: in order, it is right whether or not the answer
 * already had it.
 */
export class RoomMembers {
  readonly roomId: string;
  readonly #api: Pick<RestApi, "members">;
  #members: Map<string, PresentUser> | undefined;
  /** Presence held back while a read runs. */
  #arriving: PresenceEvent[] | undefined;
  #stopped = false;

  constructor(roomId: string, api: Pick<RestApi, "members">) {
    this.roomId = roomId;
    this.#api = api;
  }

  /** One entry per user, as last read and updated; empty until the first read. */
  get list(): PresentUser[] {
    return [...(this.#members?.values() ?? [])];
  }

  /** Reads the members afresh; resolves whether they were (false once stopped: the room was left meanwhile). */
  async read(): Promise<boolean> {
    const arriving: PresenceEvent[] = [];
    this.#arriving = arriving;
    try {
      const members = await this.#api.members(this.roomId);
      if (this.#stopped) return false;
      this.#members = new Map(members.map((member) => [member.userId, member]));
      this.#apply(arriving);
      return true;
    } finally {
      if (this.#arriving === arriving) this.#arriving = undefined;
    }
  }

  /** A presence frame of the room; returns whether the members changed with it (they are tracked, not being read). */
  presence(presence: PresenceEvent): boolean {
    if (this.#arriving) {
      this.#arriving.push(presence);
      return false;
    }
    if (this.#members === undefined) return false;
    this.#apply([presence]);
    return true;
  }

  /** The room is no longer followed: a read still running changes nothing. */
  stop(): void {
    this.#stopped = true;
  }

  #apply(changes: PresenceEvent[]): void {
    const members = this.#members ?? new Map<string, PresentUser>();
    this.#members = members;
    for (const { event, userId, username } of changes) {
      if (event === "leave") members.delete(userId);
      else if (!members.has(userId))
        members.set(userId, { userId, username, connectedAt: new Date().toISOString() });
    }
  }
}
