import { ChatApiError, type RealtimeConnection } from "@chat/client";
import { MessageText } from "@chat/types";
import * as v from "valibot";
import { firstIssue, ui } from "./ui";

/** What the composer needs from the page. */
export interface ComposerHost {
  connection(): RealtimeConnection | undefined;
  /** The room shown, if any: where messages go. */
  current(): string | undefined;
}

/** The message box of the shown room: sends on Enter (Shift+Enter for a new line), tells the room who is typing. */
export const wireComposer = (host: ComposerHost) => {
  const sendTyped = () => {
    const text = ui.input.value;
    const checked = v.safeParse(MessageText, text);
    if (!checked.success) {
      ui.composerError.textContent = text.trim() ? `Message ${firstIssue(checked.issues)}` : "";
      return;
    }
    const connection = host.connection();
    const current = host.current();
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
    const current = host.current();
    if (typed && current !== undefined) host.connection()?.typing(current);
  });
};
