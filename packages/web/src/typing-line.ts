import { type TypingNotice, TypingTracker } from "@chat/client";
import { typingText } from "./typing-text";
import { ui } from "./ui";

/** "… is typing" under the shown room's messages, from the typing notices of every followed room. */
export class TypingLine {
  readonly #typists = new TypingTracker();
  readonly #current: () => string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `current`: the room shown, if any. */
  constructor(current: () => string | undefined) {
    this.#current = current;
  }

  add(notice: TypingNotice) {
    this.#typists.add(notice);
    if (notice.roomId === this.#current()) this.render();
  }

  /** The user sent a message or left: no longer typing. */
  stopped(roomId: string, userId: string) {
    this.#typists.stopped(roomId, userId);
  }

  render() {
    clearTimeout(this.#timer);
    const current = this.#current();
    const typing = current === undefined ? [] : this.#typists.typing(current);
    ui.typing.textContent = typingText(typing.map(({ username }) => username));
    // Look again when the next notice runs out; a fresh notice re-renders before that anyway.
    const next = this.#typists.nextExpiryIn();
    if (next !== undefined) this.#timer = setTimeout(() => this.render(), next + 50);
  }
}
