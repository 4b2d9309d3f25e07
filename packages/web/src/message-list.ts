import type { PendingMessage } from "@chat/client";
import type { ChatMessage } from "@chat/types";

type Shown = Pick<ChatMessage, "userId" | "username" | "text" | "createdAt"> & {
  state: "stored" | PendingMessage["state"];
};

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
  #ids: string[] = [];

  constructor(list: HTMLOListElement, me: string, onRetry: (clientMessageId: string) => void) {
    this.#list = list;
    this.#me = me;
    this.#onRetry = onRetry;
    list.replaceChildren();
  }

  get size(): number {
    return this.#stored.size + this.#pending.size;
  }

  /** Shows a stored message in its place by id, replacing its pending send. */
  add(message: ChatMessage): void {
    if (this.#stored.has(message.id)) return;
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
    const avatar = element("span", "avatar", initialOf(message.username));
    avatar.style.background = colourOf(message.userId);
    const meta = element("div", "meta");
    meta.append(element("span", "author", message.username), element("time", "", time(message.createdAt)));
    if (message.state === "sending") meta.append(element("span", "note", "sending…"));
    if (message.state === "failed") meta.append(element("span", "note", "not sent"));
    const body = element("div", "body");
    body.append(meta, element("p", "text", message.text));
    item.append(avatar, body);
    return item;
  }
}
