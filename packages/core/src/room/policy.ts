import type { Role, RoomKind } from "@chat/types";
import { AppError } from "../error";

/** What a caller may ask of a room (the contract's who-may-do-what table). */
export type Action =
  /** Read history, the room, its members or presence; subscribe; connect with it as the room. */
  | "read"
  /** Post (REST or socket). */
  | "post"
  /** Add a member with the `member` role: oneself (join) or another user. */
  | "add"
  /** Give a role other than `member`, or change a member's role. */
  | "setRole"
  /** Remove a member: oneself (leave) or another. */
  | "remove"
  | "ban"
  | "unban"
  | "mute"
  | "unmute"
  /** Read or replace the room's blocklist. */
  | "blocklist"
  /** Delete a message: `target` is its author. */
  | "deleteMessage"
  /** Change the room's name or slow mode. */
  | "configure";

/** Who is asking. Stage admins act as owner in every room but direct ones, which only their two users may use. */
export interface Caller {
  userId: string;
  username: string;
  admin: boolean;
}

/** A membership as the policy needs it. */
export interface Membership {
  userId: string;
  role: Role;
}

export interface PolicyInput {
  /** The room's kind; null when the room does not exist (yet). */
  room: { kind: RoomKind; owners?: number } | null;
  caller: Pick<Caller, "userId" | "admin">;
  /** The caller's membership, null when not a member. */
  membership: Membership | null;
  /** Whether a ban of the caller is in force. */
  banned: boolean;
  /** Whether a mute of the caller is in force. */
  muted: boolean;
  /**
   * The user acted on (add, setRole, remove, ban, unban, mute, unmute): their membership, or null; for
   * `deleteMessage`, the message's author.
   */
  target?: { userId: string; membership: Membership | null; banned?: boolean } | undefined;
  /** For `setRole`: the role asked for. */
  role?: Role | undefined;
}

const rank: Record<Role, number> = { member: 0, moderator: 1, owner: 2 };

const forbidden = (message: string) => new AppError("forbidden", message);
const notFound = (message: string) => new AppError("not_found", message);
const conflict = (message: string) => new AppError("conflict", message);

/**
 * The contract's who-may-do-what table as one pure function: null when the caller may, else the `AppError` to
 * throw (`forbidden`; `not_found` for an unknown room or a target who is not a member where one is needed;
 * `conflict` when the last owner would leave or lose the role). A room that does not exist yet reads as an empty
 * public room (posting creates it), and may not be managed.
 */
export const decide = (action: Action, input: PolicyInput): AppError | null => {
  const { room, caller, membership, banned, muted, target } = input;
  const kind = room?.kind ?? "public";
  const isDirect = kind === "direct";
  // Admins act as owner, but a direct room is its two users' alone.
  const role: Role | null = caller.admin && !isDirect ? "owner" : (membership?.role ?? null);
  const isBanned = banned && !(caller.admin && !isDirect);
  const isMuted = muted && role !== "owner";

  switch (action) {
    case "read":
      if (isDirect) return membership ? null : forbidden("Only its two users may use a direct room");
      if (kind === "private") return role ? null : forbidden("Only members may read this room");
      return isBanned ? forbidden("You are banned from this room") : null;
    case "post":
      if (isDirect) return membership ? null : forbidden("Only its two users may use a direct room");
      if (kind === "private" && !role) return forbidden("Only members may post in this room");
      if (isBanned) return forbidden("You are banned from this room");
      return isMuted ? forbidden("You are muted in this room") : null;
    case "deleteMessage": {
      // Its author while they may read the room (a mute does not stop it); moderators and owners of the room.
      const refused = decide("read", input);
      if (refused) return refused;
      if (target?.userId === caller.userId) return null;
      const moderates = !isDirect && role !== null && rank[role] >= rank.moderator;
      return moderates ? null : forbidden("Only its author and the room's moderators may delete a message");
    }
    default:
      break;
  }

  if (!room) return notFound("No such room");
  if (isDirect) return forbidden("Nobody manages a direct room");
  const isSelf = target?.userId === caller.userId;
  const targetRole = target?.membership?.role ?? null;
  const moderatorPlus = role !== null && rank[role] >= rank.moderator;

  switch (action) {
    case "add":
      if (target?.banned) return forbidden("This user is banned from this room");
      if (isSelf && kind === "public" && !isBanned) return null;
      return moderatorPlus ? null : forbidden("Only moderators and owners may add members");
    case "setRole": {
      if (role !== "owner") return forbidden("Only owners may change roles");
      if (target?.banned) return forbidden("This user is banned from this room");
      const lastOwner = targetRole === "owner" && input.role !== "owner" && (room.owners ?? 0) <= 1;
      return lastOwner ? conflict("The last owner of a room cannot give up the role") : null;
    }
    case "remove": {
      if (!target?.membership) return notFound("Not a member of this room");
      const allowed = isSelf || role === "owner" || (moderatorPlus && targetRole === "member");
      if (!allowed) return forbidden("You may not remove this member");
      const lastOwner = targetRole === "owner" && (room.owners ?? 0) <= 1;
      return lastOwner ? conflict("The last owner of a room cannot leave it") : null;
    }
    case "ban":
    case "mute": {
      if (!moderatorPlus) return forbidden("Only moderators and owners may ban and mute");
      if (action === "mute" && !target?.membership) return notFound("Not a member of this room");
      if (targetRole === "owner") return forbidden("Owners cannot be banned or muted");
      if (targetRole === "moderator" && role !== "owner")
        return forbidden("Moderators cannot ban or mute each other");
      return null;
    }
    case "blocklist":
      return moderatorPlus ? null : forbidden("Only moderators and owners may manage the blocklist");
    case "configure":
      return moderatorPlus ? null : forbidden("Only moderators and owners may change the room");
    case "unban":
      return moderatorPlus ? null : forbidden("Only moderators and owners may lift a ban");
    case "unmute":
      if (!moderatorPlus) return forbidden("Only moderators and owners may lift a mute");
      return target?.membership ? null : notFound("Not a member of this room");
    default:
      return forbidden("Not allowed");
  }
};

/** `decide`, throwing its error. */
export const authorize = (action: Action, input: PolicyInput): void => {
  const error = decide(action, input);
  if (error) throw error;
};
