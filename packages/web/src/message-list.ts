import type { PendingMessage, ReactionChange } from "@chat/client";
import type { ChatMessage } from "@chat/types";

type Shown = Pick<ChatMessage, "userId" | "username" | "text" | "createdAt"> &
  Partial<Pick<ChatMessage, "id" | "editedAt" | "deletedAt" | "reactions" | "parentId" | "replyCount">> & {
    state: "stored" | PendingMessage["state"];
  };

/** The emoji the picker offers. */
export const PICKED_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "👀"] as const;

/** What a person may do to a message shown: each asks the API; the frames that follow update the list. */
export interface MessageActions {
  retry(clientMessageId: string): void;
  edit(message: ChatMessage, text: string): Promise<void>;
  remove(message: ChatMessage): void;
  react(message: ChatMessage, emoji: string, add: boolean): void;
}

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
  readonly #actions: MessageActions;
  readonly #stored = new Map<string, HTMLLIElement>();
  /** Each stored message as shown now. */
  readonly #messages = new Map<string, ChatMessage>();
  /** The emoji this user is known to have put on each message (from their clicks and the reaction frames). */
  readonly #mine = new Map<string, Set<string>>();
  readonly #pending = new Map<string, HTMLLIElement>();
  readonly #onThread: OpenThread | undefined;
  readonly #replyCounts = new Map<string, number>();
  readonly #names = new Map<string, string>();
  #ids: string[] = [];

  constructor(list: HTMLOListElement, me: string, actions: MessageActions, onThread?: OpenThread) {
    this.#list = list;
    this.#me = me;
    this.#actions = actions;
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
    const item = this.#renderStored(message);
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
      retry.addEventListener("click", () => this.#actions.retry(pending.clientMessageId));
      item.querySelector(".body")?.append(retry);
    }
    const shown = this.#pending.get(pending.clientMessageId);
    if (shown) shown.replaceWith(item);
    else this.#list.append(item);
    this.#pending.set(pending.clientMessageId, item);
  }

  /** Shows a message's new state (an edit, a tombstone, new counts) in its place; unknown ones are left out. */
  update(message: ChatMessage): void {
    const shown = this.#stored.get(message.id);
    if (!shown) return;
    const item = this.#renderStored(message);
    shown.replaceWith(item);
    this.#stored.set(message.id, item);
  }

  /** A reaction frame: the message's counts, and whether this user has the emoji on it. */
  reacted(change: ReactionChange): void {
    if (change.userId === this.#me) this.#own(change.messageId, change.emoji, change.event === "added");
    const known = change.message ?? this.#messages.get(change.messageId);
    if (!known || known.deletedAt !== null) return;
    if (change.message) {
      this.update(change.message);
      return;
    }
    const others = known.reactions.filter(({ emoji }) => emoji !== change.emoji);
    const present = known.reactions.some(({ emoji }) => emoji === change.emoji);
    const reactions =
      change.count <= 0
        ? others
        : present
          ? known.reactions.map((r) =>
              r.emoji === change.emoji ? { emoji: r.emoji, count: change.count } : r,
            )
          : [...known.reactions, { emoji: change.emoji, count: change.count }];
    this.update({ ...known, reactions });
  }

  #own(messageId: string, emoji: string, has: boolean): void {
    const set = this.#mine.get(messageId) ?? new Set<string>();
    if (has) set.add(emoji);
    else set.delete(emoji);
    this.#mine.set(messageId, set);
  }

  #renderStored(message: ChatMessage): HTMLLIElement {
    this.#messages.set(message.id, message);
    const item = this.#render({ ...message, state: "stored" });
    item.dataset.id = message.id;
    if (message.deletedAt !== null) {
      item.classList.add("deleted");
      return item;
    }
    const body = item.querySelector(".body");
    const mine = this.#mine.get(message.id) ?? new Set<string>();
    const reactions = element("div", "reactions");
    for (const { emoji, count } of message.reactions) {
      const chip = element("button", mine.has(emoji) ? "reaction reacted" : "reaction", `${emoji} ${count}`);
      chip.type = "button";
      chip.dataset.emoji = emoji;
      chip.addEventListener("click", () => this.#toggle(message, emoji));
      reactions.append(chip);
    }
    const add = element("button", "add-reaction", "+");
    add.type = "button";
    add.title = "React";
    const picker = element("div", "picker");
    picker.hidden = true;
    for (const emoji of PICKED_EMOJI) {
      const pick = element("button", "pick", emoji);
      pick.type = "button";
      pick.dataset.emoji = emoji;
      pick.addEventListener("click", () => {
        picker.hidden = true;
        if (!mine.has(emoji)) this.#toggle(message, emoji);
      });
      picker.append(pick);
    }
    add.addEventListener("click", () => {
      picker.hidden = !picker.hidden;
    });
    reactions.append(add, picker);
    const actions = element("div", "actions");
    if (message.userId === this.#me) {
      const edit = element("button", "edit-action", "Edit");
      edit.type = "button";
      edit.addEventListener("click", () => this.#startEdit(item, message));
      actions.append(edit);
    }
    // Shown on one's own messages, and on everyone's to a moderator (the page marks the list so).
    const remove = element("button", "delete-action", "Delete");
    remove.type = "button";
    remove.addEventListener("click", () => this.#actions.remove(message));
    actions.append(remove);
    body?.append(reactions, actions);
    return item;
  }

  #toggle(message: ChatMessage, emoji: string): void {
    const has = this.#mine.get(message.id)?.has(emoji) ?? false;
    this.#own(message.id, emoji, !has);
    this.#actions.react(message, emoji, !has);
  }

  #startEdit(item: HTMLLIElement, message: ChatMessage): void {
    const text = item.querySelector(".text");
    if (!text) return;
    const form = element("form", "edit-form");
    const input = element("input", "edit-input");
    input.value = message.text;
    input.maxLength = 2000;
    const save = element("button", "edit-save", "Save");
    save.type = "submit";
    form.append(input, save);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (value === "" || value === message.text) {
        this.update(message);
        return;
      }
      void this.#actions.edit(message, value).catch(() => this.update(message));
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.update(message);
    });
    text.replaceWith(form);
    input.focus();
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
    const deleted = message.deletedAt !== null && message.deletedAt !== undefined;
    if (message.editedAt && !deleted) meta.append(element("span", "edited", "(edited)"));
    const body = element("div", "body");
    body.append(
      meta,
      element("p", deleted ? "text deleted-text" : "text", deleted ? "message deleted" : message.text),
    );
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
