import type * as v from "valibot";

/** The page's elements, found once: a missing one is a mistake in index.html. */
export const byId = <T extends HTMLElement>(id: string): T => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from index.html`);
  return node as T;
};

export const ui = {
  join: byId<HTMLElement>("join"),
  joinForm: byId<HTMLFormElement>("join-form"),
  joinName: byId<HTMLInputElement>("join-name"),
  joinRoom: byId<HTMLInputElement>("join-room"),
  joinError: byId<HTMLParagraphElement>("join-error"),
  joinSubmit: byId<HTMLButtonElement>("join-submit"),
  chat: byId<HTMLElement>("chat"),
  rooms: byId<HTMLUListElement>("rooms"),
  roomForm: byId<HTMLFormElement>("room-form"),
  roomInput: byId<HTMLInputElement>("room-input"),
  meAvatar: byId<HTMLSpanElement>("me-avatar"),
  meName: byId<HTMLSpanElement>("me-name"),
  rename: byId<HTMLButtonElement>("rename"),
  notify: byId<HTMLButtonElement>("notify"),
  notifyStatus: byId<HTMLParagraphElement>("notify-status"),
  roomTitle: byId<HTMLHeadingElement>("room-title"),
  slowMode: byId<HTMLSpanElement>("slow-mode"),
  status: byId<HTMLSpanElement>("status"),
  refused: byId<HTMLParagraphElement>("refused"),
  scroller: byId<HTMLDivElement>("scroller"),
  empty: byId<HTMLParagraphElement>("empty"),
  typing: byId<HTMLParagraphElement>("typing"),
  composer: byId<HTMLFormElement>("composer"),
  input: byId<HTMLTextAreaElement>("message-input"),
  send: byId<HTMLButtonElement>("send"),
  composerError: byId<HTMLParagraphElement>("composer-error"),
  members: byId<HTMLUListElement>("members"),
  membersCount: byId<HTMLSpanElement>("members-count"),
  meId: byId<HTMLSpanElement>("me-id"),
  notice: byId<HTMLParagraphElement>("room-notice"),
  newRoomForm: byId<HTMLFormElement>("new-room-form"),
  newRoomId: byId<HTMLInputElement>("new-room-id"),
  newRoomName: byId<HTMLInputElement>("new-room-name"),
  newRoomKind: byId<HTMLSelectElement>("new-room-kind"),
  newRoomError: byId<HTMLParagraphElement>("new-room-error"),
  directForm: byId<HTMLFormElement>("direct-form"),
  directUser: byId<HTMLInputElement>("direct-user"),
  directError: byId<HTMLParagraphElement>("direct-error"),
  roster: byId<HTMLUListElement>("roster"),
  rosterCount: byId<HTMLSpanElement>("roster-count"),
  rosterError: byId<HTMLParagraphElement>("roster-error"),
};

export const element = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string) => {
  const node = document.createElement(tag);
  node.className = className;
  // Names and room ids only ever become text nodes.
  if (text !== undefined) node.textContent = text;
  return node;
};

/** The first thing a schema says of a refused input, for a sentence such as "Name must be a string". */
export const firstIssue = (issues: v.BaseIssue<unknown>[]) => issues[0]?.message ?? "is invalid";
