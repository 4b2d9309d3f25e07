import { RoomId } from "@chat/types";
import * as v from "valibot";

/** Who this browser is: a random userId kept in localStorage, and the name picked. */
export interface Identity {
  userId: string;
  username: string;
}

/** The room named in the URL's hash; none for a hash that is no valid escape (`#%`), which would throw. */
const hashRoom = () => {
  try {
    return decodeURIComponent(location.hash.slice(1));
  } catch {
    return "";
  }
};

export const storage = {
  identity(): Identity | undefined {
    try {
      const value = JSON.parse(localStorage.getItem("chat.identity") ?? "null") as Partial<Identity> | null;
      return value?.userId && value.username ? { userId: value.userId, username: value.username } : undefined;
    } catch {
      return undefined;
    }
  },
  saveIdentity(identity: Identity) {
    localStorage.setItem("chat.identity", JSON.stringify(identity));
  },
  room: () => hashRoom() || localStorage.getItem("chat.room") || "general",
  saveRoom(roomId: string) {
    localStorage.setItem("chat.room", roomId);
    history.replaceState(null, "", `#${encodeURIComponent(roomId)}`);
  },
  /** The rooms followed on this browser's connection, most recently viewed last. */
  followed(): string[] {
    try {
      const value: unknown = JSON.parse(localStorage.getItem("chat.followed") ?? "[]");
      const rooms = v.safeParse(v.array(RoomId), value);
      return rooms.success ? rooms.output : [];
    } catch {
      return [];
    }
  },
  saveFollowed(roomIds: string[]) {
    localStorage.setItem("chat.followed", JSON.stringify(roomIds));
  },
};
