import type { ChatClient, RealtimeConnection } from "@chat/client";
import { Limits, RoomId } from "@chat/types";
import * as v from "valibot";
import { MessageList } from "./message-list";
import { storage } from "./storage";
import { element, firstIssue, ui } from "./ui";

/** One followed room: its messages (kept while another room is shown) and what arrived unseen. */
export interface RoomView {
  list: MessageList;
  element: HTMLOListElement;
  /** Caught up once: messages from now on are new, and count as unread while the room is not shown. */
  ready: boolean;
  unread: number;
}

/** What the room list needs from the page. */
export interface FollowedRoomsHost {
  client(): ChatClient | undefined;
  connection(): RealtimeConnection | undefined;
  /** The room shown, if any. */
  current(): string | undefined;
  enterRoom(roomId: string): void;
  openThread(roomId: string, parentId: string): void;
}

/**
 * The rooms this page follows on its connection, each with its message list, and the side list of rooms (the
 * user's and the public ones) with their unread badges, the buttons to stop following, and the form to open one.
 */
export class FollowedRooms {
  readonly #host: FollowedRoomsHost;
  /** Followed rooms, least recently viewed first: the first goes when a 21st is opened. */
  readonly #views = new Map<string, RoomView>();
  #listed: string[] = [];
  /** Unread counts of the user's rooms as `GET /me/rooms` last said, for rooms this page does not follow. */
  readonly #serverUnread = new Map<string, number>();

  constructor(host: FollowedRoomsHost) {
    this.#host = host;
    ui.roomForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const room = v.safeParse(RoomId, ui.roomInput.value.trim());
      if (!room.success) {
        ui.roomInput.setCustomValidity(firstIssue(room.issues));
        ui.roomInput.reportValidity();
        return;
      }
      ui.roomInput.setCustomValidity("");
      ui.roomInput.value = "";
      this.#host.enterRoom(room.output);
    });
  }

  get(roomId: string): RoomView | undefined {
    return this.#views.get(roomId);
  }

  /** The followed rooms, least recently viewed first. */
  ids(): string[] {
    return [...this.#views.keys()];
  }

  follow(roomId: string): RoomView {
    const existing = this.#views.get(roomId);
    if (existing) {
      // Most recently viewed last.
      this.#views.delete(roomId);
      this.#views.set(roomId, existing);
      return existing;
    }
    const [oldest] = this.#views.keys();
    if (this.#views.size >= Limits.roomsPerConnection && oldest !== undefined) this.unfollow(oldest);
    const list = element("ol", "messages");
    list.setAttribute("aria-live", "polite");
    const view: RoomView = {
      element: list,
      list: new MessageList(
        list,
        this.#host.client()?.userId ?? "",
        {
          retry: (clientMessageId) => {
            this.#host
              .connection()
              ?.retry(clientMessageId)
              .catch(() => undefined);
          },
          edit: async (message, text) => {
            const edited = await this.#host.client()?.editMessage(message.roomId, message.id, text);
            if (edited) this.#views.get(edited.roomId)?.list.update(edited);
          },
          remove: (message) => {
            this.#host
              .client()
              ?.deleteMessage(message.roomId, message.id)
              .then((tombstone) => this.#views.get(tombstone.roomId)?.list.update(tombstone))
              .catch((error: unknown) => console.warn(error));
          },
          react: (message, emoji, add) => {
            const client = this.#host.client();
            const call = add ? client?.addReaction : client?.removeReaction;
            call
              ?.call(client, message.roomId, message.id, emoji)
              .catch((error: unknown) => console.warn(error));
          },
        },
        (parentId) => this.#host.openThread(roomId, parentId),
      ),
      ready: false,
      unread: 0,
    };
    this.#views.set(roomId, view);
    return view;
  }

  unfollow(roomId: string) {
    this.#views.delete(roomId);
    this.#host
      .connection()
      ?.leave(roomId)
      .catch((error: unknown) => console.warn(error));
    this.save();
    this.render();
  }

  /** A room the page no longer receives (the API ended or refused it): gone from the page, nothing to leave. */
  forget(roomId: string) {
    this.#views.delete(roomId);
    this.save();
    this.render();
  }

  clear() {
    this.#views.clear();
  }

  /** One list in the page at a time, so `#messages` is always the room shown. */
  show(view: RoomView) {
    for (const other of this.#views.values()) other.element.removeAttribute("id");
    view.element.id = "messages";
  }

  /** The user has read the room up to its newest message: no badge from the last `GET /me/rooms` either. */
  markedRead(roomId: string) {
    this.#serverUnread.set(roomId, 0);
  }

  save() {
    storage.saveFollowed(this.ids());
  }

  render() {
    const current = this.#host.current();
    const roomIds = [...new Set([...this.#listed, ...this.#views.keys()])].sort();
    const items = roomIds.map((roomId) => {
      const view = this.#views.get(roomId);
      const item = document.createElement("li");
      const open = element("button", "room-button", roomId);
      open.type = "button";
      open.setAttribute("aria-current", String(roomId === current));
      if (view) open.dataset.followed = "true";
      open.addEventListener("click", () => this.#host.enterRoom(roomId));
      item.append(open);
      const unread = roomId === current ? 0 : (view?.unread ?? this.#serverUnread.get(roomId) ?? 0);
      if (unread > 0) {
        const shown = unread >= Limits.unreadMaxCount ? `${Limits.unreadMaxCount}+` : String(unread);
        const badge = element("span", "unread", shown);
        badge.dataset.testid = "unread";
        badge.setAttribute("aria-label", `${shown} new`);
        open.append(badge);
      }
      if (view && roomId !== current) {
        const leave = element("button", "leave", "×");
        leave.type = "button";
        leave.title = `Stop following #${roomId}`;
        leave.setAttribute("aria-label", `Stop following #${roomId}`);
        leave.addEventListener("click", () => this.unfollow(roomId));
        item.append(leave);
      }
      return item;
    });
    ui.rooms.replaceChildren(...items);
  }

  /** Reads the room list and the user's unread counts again. */
  async refresh() {
    try {
      const client = this.#host.client();
      if (!client) return;
      const [rooms, mine] = await Promise.all([client.rooms(), client.myRooms({ limit: 100 })]);
      const current = this.#host.current();
      for (const entry of mine.rooms) {
        this.#serverUnread.set(entry.room.roomId, entry.unreadCount);
        // A followed room not shown: what arrived before this page was open counts too.
        const view = this.#views.get(entry.room.roomId);
        if (view && entry.room.roomId !== current) view.unread = Math.max(view.unread, entry.unreadCount);
      }
      this.#listed = [
        ...new Set([...rooms.map(({ roomId }) => roomId), ...mine.rooms.map(({ room }) => room.roomId)]),
      ];
      this.render();
    } catch (error) {
      console.warn("could not list rooms", error);
    }
  }
}
