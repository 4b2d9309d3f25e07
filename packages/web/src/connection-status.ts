import type { ConnectionStatus } from "@chat/client";
import { ui } from "./ui";

const statusText: Record<ConnectionStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  closed: "Offline",
};

/** The connection's state in the header (a refused sign-in says so instead: see `showRefused`). */
export const showStatus = (status: ConnectionStatus) => {
  ui.status.dataset.status = status;
  ui.status.textContent = statusText[status];
};
