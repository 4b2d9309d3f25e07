import type { PendingMessage } from "@chat/client";
import type { ChatMessage } from "@chat/types";

type Shown = Pick<ChatMessage, "userId" | "username" | "text" | "createdAt"> & {
  state: "stored" | PendingMessage["state"];
  id?: string;
  parentId?: string | null | undefined;
  replyCount?: number;
};

/** What a list does when a message's thread is asked for: open the thread of this top-level message. */
export type OpenThread = (parentId: string) => void;

const repliesText = (count: number) => (count === 0 ? "Reply" : count === 1 ? "1 reply" : `${count} replies`);

const palette = ["#4f46e5", "#0891b2", "#16a34a", "#c026d3", "#ea580c", "#db2777", "#0d9488", "#7c3aed"];

/** A steady colour per user: the same person looks the same in every browser. */
export const colourOf = (userId: string): string => {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return palette[hash % palette.length] ?? "#4f46e5";
};

/** The first letter of a name, for its avatar. */
export const initialOf = (name: string): string => (Array.from(name.trim())[0] ?? "?").toUpperCase();

const element = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string) => {
  const node = document.createElement(tag);
  node.className = className;
  // User data only ever becomes text nodes: nothing a person types is parsed as HTML.
  if (text !== undefined) node.textContent = text;
  return node;
};

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/**
 * The room's messages as an ordered list: stored messages in id order, then this user's pending sends in the order
 * they were made. A stored message replaces the pending send with the same `clientMessageId`.
 */
export class MessageList {
  readonly #list: HTMLOListElement;
  readonly #me: string;
  readonly #onRetry: (clientMessageId: string) => void;
  readonly #stored = new Map<string, HTMLLIElement>();
  readonly #pending = new Map<string, HTMLLIElement>();
  readonly #onThread: OpenThread | undefined;
  readonly #replyCounts = new Map<string, number>();
  readonly #names = new Map<string, string>();
  #ids: string[] = [];

  constructor(
    list: HTMLOListElement,
    me: string,
    onRetry: (clientMessageId: string) => void,
    onThread?: OpenThread,
  ) {
    this.#list = list;
    this.#me = me;
    this.#onRetry = onRetry;
    this.#onThread = onThread;
    list.replaceChildren();
  }

  /** The newest stored message's id, if any. */
  get newestId(): string | undefined {
    return this.#ids.at(-1);
  }

  /** The newest stored message of this user, if any. */
  get myLastId(): string | undefined {
    for (let i = this.#ids.length - 1; i >= 0; i--) {
      const id = this.#ids[i] ?? "";
      if (this.#stored.get(id)?.dataset.userId === this.#me) return id;
    }
    return undefined;
  }

  /** The display name of a user who wrote a message here (their id otherwise). */
  nameOf(userId: string): string {
    return this.#names.get(userId) ?? userId;
  }

  /** One more reply to a top-level message shown here. */
  countReply(parentId: string): void {
    const count = (this.#replyCounts.get(parentId) ?? 0) + 1;
    this.#replyCounts.set(parentId, count);
    const button = this.#stored.get(parentId)?.querySelector<HTMLButtonElement>(".thread-button");
    if (button) button.textContent = repliesText(count);
  }

  /** "Seen by a, b" under this user's newest message (nothing when nobody has): one line in the list at most. */
  showSeenBy(names: string[]): void {
    for (const old of this.#list.querySelectorAll(".seen-by")) old.remove();
    const mine = this.myLastId;
    if (!mine || names.length === 0) return;
    const line = element("p", "seen-by", `Seen by ${names.join(", ")}`);
    line.dataset.testid = "seen-by";
    this.#stored.get(mine)?.querySelector(".body")?.append(line);
  }

  get size(): number {
    return this.#stored.size + this.#pending.size;
  }

  /** Shows a stored message in its place by id, replacing its pending send. */
  add(message: ChatMessage): boolean {
    if (this.#stored.has(message.id)) return false;
    this.#names.set(message.userId, message.username);
    if (message.parentId === null) this.#replyCounts.set(message.id, message.replyCount);
    if (message.clientMessageId !== null && message.userId === this.#me) {
      this.#pending.get(message.clientMessageId)?.remove();
      this.#pending.delete(message.clientMessageId);
    }
    const item = this.#render({ ...message, state: "stored" });
    item.dataset.id = message.id;
    // Usually the newest: the search only runs for a message that arrived late.
    let index = this.#ids.length;
    while (index > 0 && (this.#ids[index - 1] ?? "") > message.id) index--;
    const next = this.#ids[index];
    const before = next === undefined ? this.#firstPending() : this.#stored.get(next);
    this.#list.insertBefore(item, before ?? null);
    this.#ids.splice(index, 0, message.id);
    this.#stored.set(message.id, item);
    return true;
  }

  /** Shows (or updates) a pending send of this user. */
  pending(pending: PendingMessage): void {
    // A client on a token that names its user learns who that is from the token: until then, "you".
    const item = this.#render({
      ...pending,
      userId: pending.userId ?? this.#me,
      username: pending.username ?? "you",
    });
    item.dataset.clientMessageId = pending.clientMessageId;
    if (pending.state === "failed") {
      const retry = element("button", "retry", "Retry");
      retry.type = "button";
      retry.addEventListener("click", () => this.#onRetry(pending.clientMessageId));
      item.querySelector(".body")?.append(retry);
    }
    const shown = this.#pending.get(pending.clientMessageId);
    if (shown) shown.replaceWith(item);
    else this.#list.append(item);
    this.#pending.set(pending.clientMessageId, item);
  }

  #firstPending(): HTMLLIElement | undefined {
    return this.#pending.values().next().value;
  }

  #render(message: Shown): HTMLLIElement {
    const mine = message.userId === this.#me;
    const item = element("li", mine ? "message mine" : "message");
    item.dataset.testid = "message";
    item.dataset.state = message.state;
    item.dataset.userId = message.userId;
    const avatar = element("span", "avatar", initialOf(message.username));
    avatar.style.background = colourOf(message.userId);
    const meta = element("div", "meta");
    meta.append(element("span", "author", message.username), element("time", "", time(message.createdAt)));
    if (message.state === "sending") meta.append(element("span", "note", "sending…"));
    if (message.state === "failed") meta.append(element("span", "note", "not sent"));
    const body = element("div", "body");
    body.append(meta, element("p", "text", message.text));
    const onThread = this.#onThread;
    const { id, parentId } = message;
    if (onThread && message.state === "stored" && id !== undefined) {
      // A top-level message opens its own thread; a reply, its parent's.
      const thread = parentId ? parentId : id;
      const label = parentId ? "in a thread" : repliesText(message.replyCount ?? 0);
      const button = element("button", parentId ? "link thread-link" : "link thread-button", label);
      button.type = "button";
      button.dataset.testid = parentId ? "thread-link" : "thread-button";
      button.addEventListener("click", () => onThread(thread));
      body.append(button);
    }
    item.append(avatar, body);
    return item;
  }
}
