import {
  ChatApiError,
  type ChatClient,
  createChatClient,
  newClientMessageId,
  type RoomSubscription,
} from "@chat/client";
import { MessageText, RoomId, Username } from "@chat/types";
import * as v from "valibot";
import { colourOf, initialOf, MessageList } from "./message-list";
import "./style.css";

// Same-origin paths by default: `pnpm dev` proxies them to the local APIs. A build for AWS sets both URLs.
const httpUrl = import.meta.env.VITE_CHAT_HTTP_URL ?? "/api";
const wsUrl = import.meta.env.VITE_CHAT_WS_URL ?? "/ws";

const byId = <T extends HTMLElement>(id: string): T => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from index.html`);
  return node as T;
};

const ui = {
  join: byId<HTMLElement>("join"),
  joinForm: byId<HTMLFormElement>("join-form"),
  joinName: byId<HTMLInputElement>("join-name"),
  joinRoom: byId<HTMLInputElement>("join-room"),
  joinError: byId<HTMLParagraphElement>("join-error"),
  chat: byId<HTMLElement>("chat"),
  rooms: byId<HTMLUListElement>("rooms"),
  roomForm: byId<HTMLFormElement>("room-form"),
  roomInput: byId<HTMLInputElement>("room-input"),
  meAvatar: byId<HTMLSpanElement>("me-avatar"),
  meName: byId<HTMLSpanElement>("me-name"),
  rename: byId<HTMLButtonElement>("rename"),
  roomTitle: byId<HTMLHeadingElement>("room-title"),
  status: byId<HTMLSpanElement>("status"),
  scroller: byId<HTMLDivElement>("scroller"),
  empty: byId<HTMLParagraphElement>("empty"),
  messages: byId<HTMLOListElement>("messages"),
  composer: byId<HTMLFormElement>("composer"),
  input: byId<HTMLTextAreaElement>("message-input"),
  send: byId<HTMLButtonElement>("send"),
  composerError: byId<HTMLParagraphElement>("composer-error"),
};

const statusText = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  closed: "Offline",
};

/** Who this browser is: a random userId kept in localStorage, and the name picked. */
interface Identity {
  userId: string;
  username: string;
}

const storage = {
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
  room: () => decodeURIComponent(location.hash.slice(1)) || localStorage.getItem("chat.room") || "general",
  saveRoom(roomId: string) {
    localStorage.setItem("chat.room", roomId);
    history.replaceState(null, "", `#${encodeURIComponent(roomId)}`);
  },
};

const firstIssue = (issues: v.BaseIssue<unknown>[]) => issues[0]?.message ?? "is invalid";

let client: ChatClient | undefined;
let subscription: RoomSubscription | undefined;
let list: MessageList | undefined;

const nearBottom = () => ui.scroller.scrollHeight - ui.scroller.scrollTop - ui.scroller.clientHeight < 80;
const scrollToBottom = () => {
  ui.scroller.scrollTop = ui.scroller.scrollHeight;
};
const updateEmpty = () => {
  ui.empty.hidden = (list?.size ?? 0) > 0;
};

const showJoin = (identity: Identity | undefined) => {
  subscription?.close();
  ui.chat.hidden = true;
  ui.join.hidden = false;
  ui.joinName.value = identity?.username ?? "";
  ui.joinRoom.value = storage.room();
  (identity ? ui.joinRoom : ui.joinName).focus();
};

const renderRooms = (roomIds: string[], current: string) => {
  const items = [...new Set([...roomIds, current])].sort().map((roomId) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = roomId;
    button.setAttribute("aria-current", String(roomId === current));
    button.addEventListener("click", () => enterRoom(roomId));
    const item = document.createElement("li");
    item.append(button);
    return item;
  });
  ui.rooms.replaceChildren(...items);
};

const refreshRooms = async (current: string) => {
  try {
    const rooms = await client?.rooms();
    if (rooms && subscription?.roomId === current)
      renderRooms(
        rooms.map(({ roomId }) => roomId),
        current,
      );
  } catch (error) {
    console.warn("could not list rooms", error);
  }
};

const enterRoom = (roomId: string) => {
  if (!client) return;
  subscription?.close();
  storage.saveRoom(roomId);
  ui.roomTitle.textContent = roomId;
  document.title = `#${roomId} · Chat`;
  ui.composerError.textContent = "";
  const me = client.userId;
  const current = client.connect({ roomId, backlog: 50 });
  subscription = current;
  list = new MessageList(ui.messages, me, (clientMessageId) => {
    current.retry(clientMessageId).catch(() => undefined);
  });
  updateEmpty();
  renderRooms([], roomId);
  current.on("message", (message) => {
    const follow = nearBottom() || message.userId === me;
    list?.add(message);
    updateEmpty();
    if (follow) scrollToBottom();
  });
  current.on("pending", (pending) => {
    list?.pending(pending);
    updateEmpty();
    scrollToBottom();
  });
  current.on("status", (status) => {
    ui.status.dataset.status = status;
    ui.status.textContent = statusText[status];
    if (status === "live") void refreshRooms(roomId);
  });
  current.on("error", (error) => console.warn(error));
  ui.status.dataset.status = "connecting";
  ui.status.textContent = statusText.connecting;
  ui.input.focus();
};

const start = (identity: Identity, roomId: string) => {
  client = createChatClient({ httpUrl, wsUrl, ...identity });
  ui.meName.textContent = identity.username;
  ui.meAvatar.textContent = initialOf(identity.username);
  ui.meAvatar.style.background = colourOf(identity.userId);
  ui.join.hidden = true;
  ui.chat.hidden = false;
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
  ui.composerError.textContent = "";
  ui.input.value = "";
  ui.send.disabled = true;
  subscription?.send(text).catch((error: unknown) => {
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
  ui.send.disabled = ui.input.value.trim() === "";
  ui.input.style.height = "auto";
  ui.input.style.height = `${ui.input.scrollHeight}px`;
});

window.addEventListener("hashchange", () => {
  const roomId = v.safeParse(RoomId, storage.room());
  if (roomId.success && roomId.output !== subscription?.roomId) enterRoom(roomId.output);
});

const identity = storage.identity();
const initialRoom = v.safeParse(RoomId, storage.room());
if (identity && initialRoom.success) start(identity, initialRoom.output);
else showJoin(identity);
