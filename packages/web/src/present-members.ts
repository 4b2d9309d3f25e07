import type { PresentUser } from "@chat/types";
import { colourOf, initialOf } from "./message-list";
import { element, ui } from "./ui";

/** Who is connected to the shown room, the user first. */
export const renderMembers = (members: PresentUser[], me: string | undefined) => {
  const items = [...members]
    .sort((a, b) => (a.userId === me ? -1 : b.userId === me ? 1 : a.username.localeCompare(b.username)))
    .map((member) => {
      const item = element("li", "member");
      item.dataset.testid = "member";
      const avatar = element("span", "avatar member-avatar", initialOf(member.username));
      avatar.style.background = colourOf(member.userId);
      item.append(avatar, element("span", "member-name", member.username));
      if (member.userId === me) item.append(element("span", "you", "you"));
      return item;
    });
  ui.members.replaceChildren(...items);
  ui.membersCount.textContent = members.length > 0 ? String(members.length) : "";
};
