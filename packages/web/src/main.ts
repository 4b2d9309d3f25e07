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
import { ThreadPanel } from "./thread-panel";
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
/** Unread counts of the user's rooms as `GET /me/rooms` last said, for rooms this page does not follow. */
const serverUnread = new Map<string, number>();
/** The newest id this page marked read, per room: the cursor only moves forward, so each id is sent once. */
const marked = new Map<string, string>();
/** Read cursors of the shown room's readers (small rooms), for "Seen by". */
let reads = new Map<string, string>();
const thread = new ThreadPanel({ client: () => client, connection: () => connection });
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
    const unread = roomId === current ? 0 : (view?.unread ?? serverUnread.get(roomId) ?? 0);
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
      leave.addEventListener("click", () => unfollow(roomId));
      item.append(leave);
    }
    return item;
  });
  ui.rooms.replaceChildren(...items);
};

const refreshRooms = async () => {
  try {
    if (!client) return;
    const [rooms, mine] = await Promise.all([client.rooms(), client.myRooms({ limit: 100 })]);
    for (const entry of mine.rooms) {
      serverUnread.set(entry.room.roomId, entry.unreadCount);
      // A followed room not shown: what arrived before this page was open counts too.
      const view = views.get(entry.room.roomId);
      if (view && entry.room.roomId !== current) view.unread = Math.max(view.unread, entry.unreadCount);
    }
    listed = [
      ...new Set([...rooms.map(({ roomId }) => roomId), ...mine.rooms.map(({ room }) => room.roomId)]),
    ];
    renderRooms();
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
    list: new MessageList(
      list,
      client?.userId ?? "",
      {
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
          call
            ?.call(client, message.roomId, message.id, emoji)
            .catch((error: unknown) => console.warn(error));
        },
      },
      (parentId) => openThread(roomId, parentId),
    ),
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

const openThread = (roomId: string, parentId: string) => {
  const parent = views.get(roomId)?.element.querySelector(`[data-id="${parentId}"] .text`);
  void thread.open(roomId, parentId, parent?.textContent ?? "");
};

/** Marks read the newest message the shown room shows (each id once: the cursor only moves forward). */
const markShown = () => {
  const roomId = current;
  const newest = roomId === undefined ? undefined : views.get(roomId)?.list.newestId;
  if (!client || roomId === undefined || !newest || (marked.get(roomId) ?? "") >= newest) return;
  marked.set(roomId, newest);
  serverUnread.set(roomId, 0);
  client.markRead(roomId, newest).catch((error: unknown) => console.warn("could not mark read", error));
};

/** "Seen by" under the user's newest message of the shown room, from the readers' cursors. */
const renderSeen = () => {
  const view = current === undefined ? undefined : views.get(current);
  const mine = view?.list.myLastId;
  if (!view) return;
  const me = client?.userId;
  // Names from who wrote here, else from who is connected (readers who never wrote), else the user id.
  const present = new Map(
    (current === undefined ? [] : (connection?.members(current) ?? [])).map((user) => [
      user.userId,
      user.username,
    ]),
  );
  const names = [...reads]
    .filter(([userId, lastReadId]) => userId !== me && mine !== undefined && lastReadId >= mine)
    .map(([userId]) => {
      const written = view.list.nameOf(userId);
      return written !== userId ? written : (present.get(userId) ?? userId);
    })
    .sort();
  view.list.showSeenBy(names);
};

const refreshSeen = async (roomId: string) => {
  try {
    const receipts = (await client?.reads(roomId)) ?? [];
    if (roomId !== current) return;
    reads = new Map(receipts.map(({ userId, lastReadId }) => [userId, lastReadId]));
    renderSeen();
  } catch {
    // Receipts are kept for rooms of up to 100 readers: a bigger room shows none.
    reads = new Map();
  }
};

const enterRoom = (roomId: string) => {
  if (!connection) return;
  if (roomId !== current) {
    thread.close();
    reads = new Map();
  }
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
  // The room panel names a direct room after the other person once it has read the members.
  ui.roomTitle.textContent = roomId;
  ui.roomTitle.dataset.roomId = roomId;
  ui.roomTitle.removeAttribute("title");
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
  serverUnread.set(roomId, 0);
  markShown();
  void refreshSeen(roomId);
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
    const added = view.list.add(message);
    thread.message(message);
    if (added && view.ready && message.parentId !== null) view.list.countReply(message.parentId);
    typists.stopped(message.roomId, message.userId);
    if (shown && !panel.knows(message.userId)) void panel.refresh(message.roomId);
    if (shown) {
      updateEmpty();
      renderTyping();
      if (keepUp) scrollToBottom();
      markShown();
      if (message.userId === me) renderSeen();
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
    if (id === current) {
      markShown();
      void refreshSeen(id);
    }
  });
  live.on("read", ({ roomId: id, userId, messageId }) => {
    if (id !== current) return;
    reads.set(userId, messageId);
    renderSeen();
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

// "Notify me": subscribe this browser to Web Push (the service worker shows the notifications) and register the
// subscription, so messages in rooms this user is away from arrive while the page is closed.
const pushSupported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
ui.notify.hidden = !pushSupported;
ui.notify.addEventListener("click", async () => {
  if (!client) return;
  ui.notify.disabled = true;
  try {
    if ((await Notification.requestPermission()) !== "granted") {
      ui.notifyStatus.textContent = "Notifications are blocked for this page.";
      return;
    }
    const registration = await navigator.serviceWorker.register("/push-worker.js");
    const subscription =
      (await registration.pushManager.getSubscription()) ??
      (await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: await client.vapidPublicKey(),
      }));
    const { endpoint, keys } = subscription.toJSON();
    await client.registerPush({ endpoint, keys });
    ui.notifyStatus.textContent = "You will be notified of messages while you are away.";
  } catch (error) {
    ui.notifyStatus.textContent = `Could not turn notifications on: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    ui.notify.disabled = false;
  }
});

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
