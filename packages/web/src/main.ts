import {
  ChatApiError,
  type ChatClient,
  createChatClient,
  newClientMessageId,
  type RealtimeConnection,
  TypingTracker,
} from "@chat/client";
import { Limits, MessageText, type PresentUser, RoomId, Username } from "@chat/types";
import * as v from "valibot";
import { colourOf, initialOf, MessageList } from "./message-list";
import { clearNotice, explain, RoomPanel, showNotice, unsubscribedText } from "./room-panel";
import { showRefused, signIn } from "./sign-in";
import { type Identity, storage } from "./storage";
import { typingText } from "./typing-text";
import { element, ui } from "./ui";
import "./style.css";

// Same-origin paths by default: `pnpm dev` proxies them to the local APIs. A build for AWS sets both URLs.
const httpUrl = import.meta.env.VITE_CHAT_HTTP_URL ?? "/api";
const wsUrl = import.meta.env.VITE_CHAT_WS_URL ?? "/ws";
// Whether the stack requires tokens: `pnpm dev` says so in a <meta> (the CSP allows no inline script).
const requiresTokens = document.querySelector<HTMLMetaElement>('meta[name="chat-auth"]')?.content === "jwt";

const statusText = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  closed: "Offline",
};

const firstIssue = (issues: v.BaseIssue<unknown>[]) => issues[0]?.message ?? "is invalid";

/** One followed room: its messages (kept while another room is shown) and what arrived unseen. */
interface RoomView {
  list: MessageList;
  element: HTMLOListElement;
  /** Caught up once: messages from now on are new, and count as unread while the room is not shown. */
  ready: boolean;
  unread: number;
}

let client: ChatClient | undefined;
let connection: RealtimeConnection | undefined;
let current: string | undefined;
/** Followed rooms, least recently viewed first: the first goes when a 21st is opened. */
const views = new Map<string, RoomView>();
let listed: string[] = [];
const typists = new TypingTracker();
let typingTimer: ReturnType<typeof setTimeout> | undefined;
const panel = new RoomPanel({
  client: () => client,
  current: () => current,
  enterRoom: (id) => enterRoom(id),
});

const nearBottom = () => ui.scroller.scrollHeight - ui.scroller.scrollTop - ui.scroller.clientHeight < 80;
const scrollToBottom = () => {
  ui.scroller.scrollTop = ui.scroller.scrollHeight;
};
const updateEmpty = () => {
  ui.empty.hidden = (current === undefined ? 0 : (views.get(current)?.list.size ?? 0)) > 0;
};

const renderRooms = () => {
  const roomIds = [...new Set([...listed, ...views.keys()])].sort();
  const items = roomIds.map((roomId) => {
    const view = views.get(roomId);
    const item = document.createElement("li");
    const open = element("button", "room-button", roomId);
    open.type = "button";
    open.setAttribute("aria-current", String(roomId === current));
    if (view) open.dataset.followed = "true";
    open.addEventListener("click", () => enterRoom(roomId));
    item.append(open);
    if (view && view.unread > 0) {
      const badge = element("span", "unread", String(view.unread));
      badge.setAttribute("aria-label", `${view.unread} new`);
      open.append(badge);
    }
    if (view && roomId !== current) {
      const leave = element("button", "leave", "×");
      leave.type = "button";
      leave.title = `Stop following #${roomId}`;
      leave.setAttribute("aria-label", `Stop following #${roomId}`);
      leave.addEventListener("click", () => unfollow(roomId));
      item.append(leave);
    }
    return item;
  });
  ui.rooms.replaceChildren(...items);
};

const refreshRooms = async () => {
  try {
    const rooms = await client?.rooms();
    if (rooms) {
      listed = rooms.map(({ roomId }) => roomId);
      renderRooms();
    }
  } catch (error) {
    console.warn("could not list rooms", error);
  }
};

const renderMembers = (members: PresentUser[]) => {
  const me = client?.userId;
  const items = [...members]
    .sort((a, b) => (a.userId === me ? -1 : b.userId === me ? 1 : a.username.localeCompare(b.username)))
    .map((member) => {
      const item = element("li", "member");
      item.dataset.testid = "member";
      const avatar = element("span", "avatar member-avatar", initialOf(member.username));
      avatar.style.background = colourOf(member.userId);
      item.append(avatar, element("span", "member-name", member.username));
      if (member.userId === me) item.append(element("span", "you", "you"));
      return item;
    });
  ui.members.replaceChildren(...items);
  ui.membersCount.textContent = members.length > 0 ? String(members.length) : "";
};

const renderTyping = () => {
  clearTimeout(typingTimer);
  const typing = current === undefined ? [] : typists.typing(current);
  ui.typing.textContent = typingText(typing.map(({ username }) => username));
  // Look again when the next notice runs out; a fresh notice re-renders before that anyway.
  const next = typists.nextExpiryIn();
  if (next !== undefined) typingTimer = setTimeout(renderTyping, next + 50);
};

const saveFollowed = () => storage.saveFollowed([...views.keys()]);

const follow = (roomId: string): RoomView => {
  const existing = views.get(roomId);
  if (existing) {
    // Most recently viewed last.
    views.delete(roomId);
    views.set(roomId, existing);
    return existing;
  }
  const [oldest] = views.keys();
  if (views.size >= Limits.roomsPerConnection && oldest !== undefined) unfollow(oldest);
  const list = element("ol", "messages");
  list.setAttribute("aria-live", "polite");
  const view: RoomView = {
    element: list,
    list: new MessageList(list, client?.userId ?? "", {
      retry: (clientMessageId) => {
        connection?.retry(clientMessageId).catch(() => undefined);
      },
      edit: async (message, text) => {
        const edited = await client?.editMessage(message.roomId, message.id, text);
        if (edited) views.get(edited.roomId)?.list.update(edited);
      },
      remove: (message) => {
        client
          ?.deleteMessage(message.roomId, message.id)
          .then((tombstone) => views.get(tombstone.roomId)?.list.update(tombstone))
          .catch((error: unknown) => console.warn(error));
      },
      react: (message, emoji, add) => {
        const call = add ? client?.addReaction : client?.removeReaction;
        call?.call(client, message.roomId, message.id, emoji).catch((error: unknown) => console.warn(error));
      },
    }),
    ready: false,
    unread: 0,
  };
  views.set(roomId, view);
  return view;
};

const unfollow = (roomId: string) => {
  views.delete(roomId);
  connection?.leave(roomId).catch((error: unknown) => console.warn(error));
  saveFollowed();
  renderRooms();
};

/** A room the page no longer receives: its messages are gone from the page, and the notice says why. */
const dropRoom = (roomId: string, notice: string) => {
  views.delete(roomId);
  saveFollowed();
  renderRooms();
  showNotice(notice);
  if (roomId !== current) return;
  ui.scroller.replaceChildren();
  ui.input.disabled = true;
  ui.send.disabled = true;
  panel.clear();
  renderMembers([]);
};

const enterRoom = (roomId: string) => {
  if (!connection) return;
  const view = follow(roomId);
  // Resolves at once when subscribed; a room the user may not read rejects with the API's refusal.
  connection.join(roomId).catch((error: unknown) => {
    if (!(error instanceof ChatApiError) || views.get(roomId) !== view) return;
    dropRoom(roomId, `You may not read #${roomId}: ${explain(error)}`);
  });
  clearNotice();
  ui.input.disabled = false;
  current = roomId;
  view.unread = 0;
  storage.saveRoom(roomId);
  saveFollowed();
  ui.roomTitle.textContent = roomId;
  document.title = `#${roomId} · Chat`;
  ui.composerError.textContent = "";
  // One list in the page at a time, so `#messages` is always the room shown.
  for (const other of views.values()) other.element.removeAttribute("id");
  view.element.id = "messages";
  ui.scroller.replaceChildren(ui.empty, view.element);
  updateEmpty();
  scrollToBottom();
  renderRooms();
  renderMembers(connection.members(roomId));
  void panel.refresh(roomId);
  renderTyping();
  ui.input.focus();
};

const connectAs = (identity: Identity, roomId: string) => {
  ui.refused.hidden = true;
  client = createChatClient({
    httpUrl,
    wsUrl,
    ...identity,
    // Asked again after a 401 and on every reconnect: minting again is the refresh.
    ...(requiresTokens && { token: () => signIn(identity) }),
  });
  const me = client.userId;
  // The handshake's room is `general`, which anyone may read: a private or direct room the user may not (or no
  // longer) read would refuse the whole connection. The rooms followed before come back on the same socket.
  const others = storage.followed().filter((id) => id !== roomId && id !== "general");
  const rooms = ["general", ...others.slice(-(Limits.roomsPerConnection - 2)), roomId];
  const live = client.connect({ rooms: [...new Set(rooms)], backlog: 50, trackMembers: true });
  connection = live;
  for (const id of new Set(rooms)) follow(id);
  live.on("message", (message) => {
    const view = views.get(message.roomId);
    if (!view) return;
    const shown = message.roomId === current;
    const keepUp = shown && (nearBottom() || message.userId === me);
    view.list.add(message);
    typists.stopped(message.roomId, message.userId);
    if (shown && !panel.knows(message.userId)) void panel.refresh(message.roomId);
    if (shown) {
      updateEmpty();
      renderTyping();
      if (keepUp) scrollToBottom();
    } else if (view.ready && message.userId !== me) {
      view.unread++;
      renderRooms();
    }
  });
  live.on("message.updated", (message) => views.get(message.roomId)?.list.update(message));
  live.on("message.deleted", (message) => views.get(message.roomId)?.list.update(message));
  live.on("reaction", (change) => views.get(change.roomId)?.list.reacted(change));
  live.on("pending", (pending) => {
    views.get(pending.roomId)?.list.pending(pending);
    if (pending.roomId !== current) return;
    updateEmpty();
    scrollToBottom();
  });
  live.on("ready", ({ roomId: id }) => {
    const view = views.get(id);
    if (view) view.ready = true;
  });
  live.on("typing", (notice) => {
    typists.add(notice);
    if (notice.roomId === current) renderTyping();
  });
  live.on("presence", ({ roomId: id, event, userId }) => {
    if (event === "leave") typists.stopped(id, userId);
    if (id === current) renderTyping();
  });
  live.on("members", ({ roomId: id, members }) => {
    if (id === current) renderMembers(members);
  });
  live.on("unsubscribed", ({ roomId: id, reason }) => dropRoom(id, unsubscribedText(id, reason)));
  live.on("member", ({ roomId: id }) => {
    if (id === current) void panel.refresh(id);
  });
  let refusal: ChatApiError | undefined;
  live.on("status", (status) => {
    if (status === "closed" && refusal) return showRefused(refusal);
    ui.status.dataset.status = status;
    ui.status.textContent = statusText[status];
    if (status === "live") void refreshRooms();
  });
  live.on("error", (error) => {
    console.warn(error);
    // A followed room refused on a new socket (banned or removed meanwhile) is no longer followed.
    const lost = [...views.keys()].filter((id) => !live.rooms.includes(id));
    for (const id of lost) dropRoom(id, `You may not read #${id}: ${explain(error)}`);
    if (lost.length > 0) return;
    if (error instanceof ChatApiError && (error.code === "unauthorized" || error.code === "forbidden")) {
      refusal = error;
    }
  });
  ui.status.dataset.status = "connecting";
  ui.status.textContent = statusText.connecting;
};

const disconnect = () => {
  connection?.close();
  connection = undefined;
  current = undefined;
  views.clear();
  renderMembers([]);
  ui.typing.textContent = "";
};

const showJoin = (identity: Identity | undefined) => {
  disconnect();
  ui.joinSubmit.textContent = requiresTokens ? "Sign in and join" : "Join the room";
  ui.chat.hidden = true;
  ui.join.hidden = false;
  ui.joinName.value = identity?.username ?? "";
  ui.joinRoom.value = storage.room();
  (identity ? ui.joinRoom : ui.joinName).focus();
};

const start = (identity: Identity, roomId: string) => {
  ui.meName.textContent = identity.username;
  ui.meAvatar.textContent = initialOf(identity.username);
  ui.meAvatar.style.background = colourOf(identity.userId);
  ui.meId.textContent = identity.userId;
  ui.join.hidden = true;
  ui.chat.hidden = false;
  connectAs(identity, roomId);
  enterRoom(roomId);
};

ui.joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = v.safeParse(Username, ui.joinName.value);
  const room = v.safeParse(RoomId, ui.joinRoom.value.trim() || "general");
  if (!name.success) {
    ui.joinError.textContent = `Name ${firstIssue(name.issues)}`;
    return;
  }
  if (!room.success) {
    ui.joinError.textContent = `Room ${firstIssue(room.issues)}`;
    return;
  }
  ui.joinError.textContent = "";
  const identity = {
    userId: storage.identity()?.userId ?? `web-${newClientMessageId()}`,
    username: name.output,
  };
  storage.saveIdentity(identity);
  start(identity, room.output);
});

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
  enterRoom(room.output);
});

ui.rename.addEventListener("click", () => showJoin(storage.identity()));

const sendTyped = () => {
  const text = ui.input.value;
  const checked = v.safeParse(MessageText, text);
  if (!checked.success) {
    ui.composerError.textContent = text.trim() ? `Message ${firstIssue(checked.issues)}` : "";
    return;
  }
  if (!connection || current === undefined) return;
  ui.composerError.textContent = "";
  ui.input.value = "";
  ui.send.disabled = true;
  connection.send(current, text).catch((error: unknown) => {
    // The pending message shows the failure and its retry button; a refusal of the text itself is said here.
    if (error instanceof ChatApiError && error.status === 400) ui.composerError.textContent = error.message;
  });
};

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  sendTyped();
});

ui.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendTyped();
  }
});

ui.input.addEventListener("input", () => {
  const typed = ui.input.value.trim() !== "";
  ui.send.disabled = !typed;
  ui.input.style.height = "auto";
  ui.input.style.height = `${ui.input.scrollHeight}px`;
  // The client sends at most one notice per room every 2 s, however fast the keys come.
  if (typed && current !== undefined) connection?.typing(current);
});

window.addEventListener("hashchange", () => {
  const roomId = v.safeParse(RoomId, storage.room());
  if (roomId.success && roomId.output !== current) enterRoom(roomId.output);
});

const identity = storage.identity();
const initialRoom = v.safeParse(RoomId, storage.room());
if (identity && initialRoom.success) start(identity, initialRoom.output);
else showJoin(identity);
