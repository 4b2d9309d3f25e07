import { ChatApiError, type ChatClient } from "@chat/client";
import type { Member, Role } from "@chat/types";
import { colourOf, initialOf } from "./message-list";
import { element, ui } from "./ui";

/** What the panel needs from the page. */
export interface RoomPanelHost {
  client(): ChatClient | undefined;
  /** The room shown, if any. */
  current(): string | undefined;
  enterRoom(roomId: string): void;
}

const rank: Record<Role, number> = { member: 0, moderator: 1, owner: 2 };

/** A direct room's id: `dm-` and 40 hex digits, derived from its two users (see @chat/core's room/direct.ts). */
const DIRECT_ROOM = /^dm-[0-9a-f]{40}$/;

/** An error as one line for the page: the API's message, or the first issue of a refused input. */
export const explain = (error: unknown): string => {
  if (!(error instanceof ChatApiError)) return error instanceof Error ? error.message : String(error);
  const [issue] = error.error.details ?? [];
  return issue ? `${issue.path} ${issue.message}` : error.error.message;
};

/** Says something about a room above its messages (removed, banned, not allowed); cleared when a room is entered. */
export const showNotice = (text: string) => {
  ui.notice.textContent = text;
  ui.notice.hidden = false;
};

export const clearNotice = () => {
  ui.notice.textContent = "";
  ui.notice.hidden = true;
};

/** What the page says when the API ends a room's subscription. */
export const unsubscribedText = (roomId: string, reason: "left" | "removed" | "banned") =>
  reason === "left" ? `You left #${roomId}` : `You were ${reason} from #${roomId}`;

/**
 * The room's members with their roles (`GET /rooms/{roomId}/members`), with buttons to remove, ban and mute for a
 * moderator or owner (on those below them), and the forms that create a room and start a direct conversation.
 */
export class RoomPanel {
  readonly #host: RoomPanelHost;
  /** Bumped on each read: an answer for a room no longer shown is dropped. */
  #generation = 0;
  #known = new Set<string>();

  constructor(host: RoomPanelHost) {
    this.#host = host;
    ui.newRoomForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.#createRoom();
    });
    ui.directForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.#openDirect();
    });
  }

  /** Whether the members shown include this user (a newcomer's first message makes them a member). */
  knows(userId: string): boolean {
    return this.#known.has(userId);
  }

  /** Reads the room's members afresh and shows them. */
  async refresh(roomId: string): Promise<void> {
    const client = this.#host.client();
    if (!client) return;
    const generation = ++this.#generation;
    // The room's settings: "Slow mode: n s" in its header when it has one.
    void client.room(roomId).then(
      ({ room }) => {
        if (generation !== this.#generation || this.#host.current() !== roomId) return;
        ui.slowMode.textContent = `Slow mode: ${room.slowModeSeconds} s`;
        ui.slowMode.hidden = room.slowModeSeconds === 0;
      },
      () => undefined,
    );
    try {
      const { members } = await client.roomMembers(roomId, { limit: 100 });
      if (generation !== this.#generation || this.#host.current() !== roomId) return;
      ui.rosterError.textContent = "";
      this.#render(roomId, members, client.userId);
    } catch (error) {
      if (generation !== this.#generation) return;
      this.clear();
      // A room the user may not read says so above the messages already.
      if (!(error instanceof ChatApiError && error.status === 403)) {
        ui.rosterError.textContent = `Could not list the members: ${explain(error)}`;
      }
    }
  }

  clear(): void {
    this.#generation++;
    this.#known = new Set();
    ui.slowMode.hidden = true;
    ui.roster.replaceChildren();
    ui.rosterCount.textContent = "";
    ui.rosterError.textContent = "";
    delete document.body.dataset.moderates;
  }

  #render(roomId: string, members: Member[], me: string | undefined): void {
    this.#known = new Set(members.map(({ userId }) => userId));
    const direct = DIRECT_ROOM.test(roomId);
    // A direct room's id says nothing to a person: its title is the other one's name (the id stays in the tooltip).
    const other = direct ? members.find(({ userId }) => userId !== me) : undefined;
    if (other) {
      ui.roomTitle.textContent = other.username;
      ui.roomTitle.title = roomId;
    }
    const mine = members.find(({ userId }) => userId === me)?.role;
    // Moderators and owners may delete anyone's message: the list shows them every message's delete button.
    document.body.dataset.moderates = String(mine === "owner" || mine === "moderator");
    const items = members.map((member) => {
      const item = element("li", "member");
      item.dataset.testid = "room-member";
      item.dataset.userId = member.userId;
      const avatar = element("span", "avatar member-avatar", initialOf(member.username));
      avatar.style.background = colourOf(member.userId);
      avatar.dataset.online = String(member.online);
      const name = element("span", "member-name", member.username);
      name.title = member.userId;
      item.append(avatar, name, element("span", "role", member.role));
      if (member.mutedUntil !== null) item.append(element("span", "role muted", "muted"));
      if (member.userId === me) {
        item.append(element("span", "you", "you"));
        // Nobody leaves a direct room; anywhere else one may (the last owner is told why not).
        if (!direct) item.append(this.#leaveButton(roomId));
      } else if (mine !== undefined && rank[mine] > rank[member.role])
        item.append(this.#actions(roomId, member));
      return item;
    });
    ui.roster.replaceChildren(...items);
    ui.rosterCount.textContent = String(members.length);
  }

  /** Leaves the room (the membership, not only the following): the API then ends its subscription ("left"). */
  #leaveButton(roomId: string): HTMLElement {
    const button = element("button", "member-action leave-room", "Leave");
    button.type = "button";
    button.title = `Leave #${roomId}`;
    button.setAttribute("aria-label", `Leave #${roomId}`);
    button.addEventListener("click", () => {
      const client = this.#host.client();
      client?.leaveRoom(roomId).then(
        () => this.clear(),
        (error: unknown) => {
          ui.rosterError.textContent = `Could not leave #${roomId}: ${explain(error)}`;
        },
      );
    });
    return button;
  }

  /** Remove, ban and mute (or unmute) buttons for a member below this user. */
  #actions(roomId: string, member: Member): HTMLElement {
    const box = element("span", "member-actions");
    const button = (label: string, title: string, act: (client: ChatClient) => Promise<void>) => {
      const node = element("button", "link member-action", label);
      node.type = "button";
      node.title = title;
      node.setAttribute("aria-label", title);
      node.addEventListener("click", () => void this.#act(roomId, label.toLowerCase(), act));
      return node;
    };
    const { userId, username } = member;
    box.append(
      button("Remove", `Remove ${username} from #${roomId}`, (c) => c.removeMember(roomId, userId)),
      button("Ban", `Ban ${username} from #${roomId}`, (c) => c.ban(roomId, userId)),
      member.mutedUntil === null
        ? button("Mute", `Mute ${username} in #${roomId}`, (c) => c.mute(roomId, userId))
        : button("Unmute", `Unmute ${username} in #${roomId}`, (c) => c.unmute(roomId, userId)),
    );
    return box;
  }

  async #act(roomId: string, what: string, act: (client: ChatClient) => Promise<void>): Promise<void> {
    const client = this.#host.client();
    if (!client) return;
    try {
      await act(client);
      await this.refresh(roomId);
    } catch (error) {
      ui.rosterError.textContent = `Could not ${what}: ${explain(error)}`;
    }
  }

  async #createRoom(): Promise<void> {
    const client = this.#host.client();
    if (!client) return;
    const name = ui.newRoomName.value.trim();
    const kind = ui.newRoomKind.value === "private" ? "private" : "public";
    try {
      const room = await client.createRoom({
        roomId: ui.newRoomId.value.trim(),
        kind,
        ...(name !== "" && { name }),
      });
      ui.newRoomError.textContent = "";
      ui.newRoomId.value = "";
      ui.newRoomName.value = "";
      this.#host.enterRoom(room.roomId);
    } catch (error) {
      ui.newRoomError.textContent = `Could not create the room: ${explain(error)}`;
    }
  }

  async #openDirect(): Promise<void> {
    const client = this.#host.client();
    if (!client) return;
    try {
      const room = await client.openDirect(ui.directUser.value.trim());
      ui.directError.textContent = "";
      ui.directUser.value = "";
      this.#host.enterRoom(room.roomId);
    } catch (error) {
      ui.directError.textContent = `Could not start the conversation: ${explain(error)}`;
    }
  }
}
