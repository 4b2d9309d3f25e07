import { ChatApiError, type ChatClient, createChatClient, type RealtimeConnection } from "@chat/client";
import { Limits, type PresentUser, RoomId } from "@chat/types";
import * as v from "valibot";
import { wireComposer } from "./composer";
import { showStatus } from "./connection-status";
import { FollowedRooms } from "./followed-rooms";
import { onJoin, showJoinForm } from "./join-form";
import { colourOf, initialOf } from "./message-list";
import { renderMembers } from "./present-members";
import { wirePushNotifications } from "./push-notifications";
import { ReadReceipts } from "./read-receipts";
import { clearNotice, explain, RoomPanel, showNotice, unsubscribedText } from "./room-panel";
import { requiresTokens, showRefused, signIn } from "./sign-in";
import { type Identity, storage } from "./storage";
import { ThreadPanel } from "./thread-panel";
import { TypingLine } from "./typing-line";
import { ui } from "./ui";
import "./style.css";

// Same-origin paths by default: `pnpm dev` proxies them to the local APIs. A build for AWS sets both URLs.
const httpUrl = import.meta.env.VITE_CHAT_HTTP_URL ?? "/api";
const wsUrl = import.meta.env.VITE_CHAT_WS_URL ?? "/ws";

let client: ChatClient | undefined;
let connection: RealtimeConnection | undefined;
let current: string | undefined;
const session = { client: () => client, connection: () => connection, current: () => current };
const thread = new ThreadPanel(session);
const typing = new TypingLine(session.current);
const panel = new RoomPanel({ ...session, enterRoom: (id) => enterRoom(id) });
const rooms = new FollowedRooms({
  ...session,
  enterRoom: (id) => enterRoom(id),
  openThread: (roomId, parentId) => {
    const parent = rooms.get(roomId)?.element.querySelector(`[data-id="${parentId}"] .text`);
    void thread.open(roomId, parentId, parent?.textContent ?? "");
  },
});
const receipts = new ReadReceipts({
  ...session,
  list: (roomId) => rooms.get(roomId)?.list,
  markedRead: (roomId) => rooms.markedRead(roomId),
});

const nearBottom = () => ui.scroller.scrollHeight - ui.scroller.scrollTop - ui.scroller.clientHeight < 80;
const scrollToBottom = () => {
  ui.scroller.scrollTop = ui.scroller.scrollHeight;
};
const updateEmpty = () => {
  ui.empty.hidden = (current === undefined ? 0 : (rooms.get(current)?.list.size ?? 0)) > 0;
};
const showMembers = (members: PresentUser[]) => renderMembers(members, client?.userId);

/** A room the page no longer receives: its messages are gone from the page, and the notice says why. */
const dropRoom = (roomId: string, notice: string) => {
  rooms.forget(roomId);
  showNotice(notice);
  if (roomId !== current) return;
  ui.scroller.replaceChildren();
  ui.input.disabled = true;
  ui.send.disabled = true;
  panel.clear();
  showMembers([]);
};

const enterRoom = (roomId: string) => {
  if (!connection) return;
  if (roomId !== current) {
    thread.close();
    receipts.reset();
  }
  const view = rooms.follow(roomId);
  // Resolves at once when subscribed; a room the user may not read rejects with the API's refusal.
  connection.join(roomId).catch((error: unknown) => {
    if (!(error instanceof ChatApiError) || rooms.get(roomId) !== view) return;
    dropRoom(roomId, `You may not read #${roomId}: ${explain(error)}`);
  });
  clearNotice();
  ui.input.disabled = false;
  current = roomId;
  view.unread = 0;
  storage.saveRoom(roomId);
  rooms.save();
  // The room panel names a direct room after the other person once it has read the members.
  ui.roomTitle.textContent = roomId;
  ui.roomTitle.dataset.roomId = roomId;
  ui.roomTitle.removeAttribute("title");
  document.title = `#${roomId} · Chat`;
  ui.composerError.textContent = "";
  rooms.show(view);
  ui.scroller.replaceChildren(ui.empty, view.element);
  updateEmpty();
  scrollToBottom();
  rooms.render();
  showMembers(connection.members(roomId));
  rooms.markedRead(roomId);
  receipts.markShown();
  void receipts.refresh(roomId);
  void panel.refresh(roomId);
  typing.render();
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
  const joined = new Set(["general", ...others.slice(-(Limits.roomsPerConnection - 2)), roomId]);
  const live = client.connect({ rooms: [...joined], backlog: 50, trackMembers: true });
  connection = live;
  for (const id of joined) rooms.follow(id);
  live.on("message", (message) => {
    const view = rooms.get(message.roomId);
    if (!view) return;
    const shown = message.roomId === current;
    const keepUp = shown && (nearBottom() || message.userId === me);
    const added = view.list.add(message);
    thread.message(message);
    if (added && view.ready && message.parentId !== null) view.list.countReply(message.parentId);
    typing.stopped(message.roomId, message.userId);
    if (shown && !panel.knows(message.userId)) void panel.refresh(message.roomId);
    if (shown) {
      updateEmpty();
      typing.render();
      if (keepUp) scrollToBottom();
      receipts.markShown();
      if (message.userId === me) receipts.render();
    } else if (view.ready && message.userId !== me) {
      view.unread++;
      rooms.render();
    }
  });
  live.on("message.updated", (message) => rooms.get(message.roomId)?.list.update(message));
  live.on("message.deleted", (message) => rooms.get(message.roomId)?.list.update(message));
  live.on("reaction", (change) => rooms.get(change.roomId)?.list.reacted(change));
  live.on("pending", (pending) => {
    rooms.get(pending.roomId)?.list.pending(pending);
    if (pending.roomId !== current) return;
    updateEmpty();
    scrollToBottom();
  });
  live.on("ready", ({ roomId: id }) => {
    const view = rooms.get(id);
    if (view) view.ready = true;
    if (id === current) {
      receipts.markShown();
      void receipts.refresh(id);
    }
  });
  live.on("read", ({ roomId: id, userId, messageId }) => {
    if (id === current) receipts.read(userId, messageId);
  });
  live.on("typing", (notice) => typing.add(notice));
  live.on("presence", ({ roomId: id, event, userId }) => {
    if (event === "leave") typing.stopped(id, userId);
    if (id === current) typing.render();
  });
  live.on("members", ({ roomId: id, members }) => {
    if (id === current) showMembers(members);
  });
  live.on("unsubscribed", ({ roomId: id, reason }) => dropRoom(id, unsubscribedText(id, reason)));
  live.on("member", ({ roomId: id }) => {
    if (id === current) void panel.refresh(id);
  });
  let refusal: ChatApiError | undefined;
  live.on("status", (status) => {
    if (status === "closed" && refusal) return showRefused(refusal);
    showStatus(status);
    if (status === "live") void rooms.refresh();
  });
  live.on("error", (error) => {
    console.warn(error);
    // A followed room refused on a new socket (banned or removed meanwhile) is no longer followed.
    const lost = rooms.ids().filter((id) => !live.rooms.includes(id));
    for (const id of lost) dropRoom(id, `You may not read #${id}: ${explain(error)}`);
    if (lost.length > 0) return;
    if (error instanceof ChatApiError && (error.code === "unauthorized" || error.code === "forbidden")) {
      refusal = error;
    }
  });
  showStatus("connecting");
};

const showJoin = (identity: Identity | undefined) => {
  connection?.close();
  connection = undefined;
  current = undefined;
  rooms.clear();
  showMembers([]);
  ui.typing.textContent = "";
  showJoinForm(identity);
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

onJoin(start);
ui.rename.addEventListener("click", () => showJoin(storage.identity()));
wirePushNotifications(session.client);
wireComposer(session);

window.addEventListener("hashchange", () => {
  const roomId = v.safeParse(RoomId, storage.room());
  if (roomId.success && roomId.output !== current) enterRoom(roomId.output);
});

const identity = storage.identity();
const initialRoom = v.safeParse(RoomId, storage.room());
if (identity && initialRoom.success) start(identity, initialRoom.output);
else showJoin(identity);
