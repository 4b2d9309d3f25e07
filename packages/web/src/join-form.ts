import { newClientMessageId } from "@chat/client";
import { RoomId, Username } from "@chat/types";
import * as v from "valibot";
import { requiresTokens } from "./sign-in";
import { type Identity, storage } from "./storage";
import { firstIssue, ui } from "./ui";

/** Shows the form that asks the user's name and the room to join (signing in too where the stack wants tokens). */
export const showJoinForm = (identity: Identity | undefined) => {
  ui.joinSubmit.textContent = requiresTokens ? "Sign in and join" : "Join the room";
  ui.chat.hidden = true;
  ui.join.hidden = false;
  ui.joinName.value = identity?.username ?? "";
  ui.joinRoom.value = storage.room();
  (identity ? ui.joinRoom : ui.joinName).focus();
};

/** Calls `start` with the identity kept in this browser (under the name given) and the room asked for. */
export const onJoin = (start: (identity: Identity, roomId: string) => void) => {
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
};
