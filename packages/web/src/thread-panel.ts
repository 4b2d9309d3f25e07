import type { ChatClient, RealtimeConnection } from "@chat/client";
import { type ChatMessage, MessageText } from "@chat/types";
import * as v from "valibot";
import { MessageList } from "./message-list";
import { byId } from "./ui";

const panel = {
  root: byId<HTMLElement>("thread"),
  close: byId<HTMLButtonElement>("thread-close"),
  parent: byId<HTMLParagraphElement>("thread-parent"),
  list: byId<HTMLOListElement>("thread-messages"),
  composer: byId<HTMLFormElement>("thread-composer"),
  input: byId<HTMLTextAreaElement>("thread-input"),
  error: byId<HTMLParagraphElement>("thread-error"),
};

/** What the thread panel needs from the page. */
export interface ThreadHost {
  client(): ChatClient | undefined;
  connection(): RealtimeConnection | undefined;
}

/**
 * One thread at a time, beside the room: the parent, its replies (read once with `replies`, then kept up by the
 * room's `message` events with its `parentId`) and a reply box that sends over the page's connection.
 */
export class ThreadPanel {
  readonly #host: ThreadHost;
  #open: { roomId: string; parentId: string; list: MessageList } | undefined;

  constructor(host: ThreadHost) {
    this.#host = host;
    panel.close.addEventListener("click", () => this.close());
    panel.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#send();
    });
    panel.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#send();
      }
    });
  }

  /** Opens the thread of a top-level message of a room, with its parent shown as `parentText`. */
  async open(roomId: string, parentId: string, parentText: string): Promise<void> {
    const client = this.#host.client();
    if (!client) return;
    // Replies are messages like any other: their author edits and deletes them, anyone reacts.
    const list: MessageList = new MessageList(panel.list, client.userId ?? "", {
      retry: () => undefined,
      edit: async (message, text) => list.update(await client.editMessage(message.roomId, message.id, text)),
      remove: (message) => {
        client
          .deleteMessage(message.roomId, message.id)
          .then((tombstone) => list.update(tombstone))
          .catch((error: unknown) => console.warn(error));
      },
      react: (message, emoji, add) => {
        const call = add
          ? client.addReaction(message.roomId, message.id, emoji)
          : client.removeReaction(message.roomId, message.id, emoji);
        call.catch((error: unknown) => console.warn(error));
      },
    });
    this.#open = { roomId, parentId, list };
    panel.root.dataset.parentId = parentId;
    panel.parent.textContent = parentText;
    panel.error.textContent = "";
    panel.root.hidden = false;
    panel.input.focus();
    try {
      const { messages } = await client.replies(roomId, parentId, { limit: 100 });
      if (this.#open?.list !== list) return;
      for (const message of messages) list.add(message);
    } catch (error) {
      panel.error.textContent = error instanceof Error ? error.message : String(error);
    }
  }

  /** A message of a followed room: shown when it is a reply of the open thread. */
  message(message: ChatMessage): void {
    const open = this.#open;
    if (open && message.roomId === open.roomId && message.parentId === open.parentId) open.list.add(message);
  }

  close(): void {
    this.#open = undefined;
    panel.root.hidden = true;
    delete panel.root.dataset.parentId;
  }

  #send(): void {
    const open = this.#open;
    const connection = this.#host.connection();
    const text = panel.input.value;
    const checked = v.safeParse(MessageText, text);
    if (!open || !connection || !checked.success) return;
    panel.input.value = "";
    panel.error.textContent = "";
    connection.send(open.roomId, text, { parentId: open.parentId }).then(
      (message) => this.message(message),
      (error: unknown) => {
        panel.error.textContent = error instanceof Error ? error.message : String(error);
      },
    );
  }
}
