import type { ChatApiError } from "@chat/client";
import type { Identity } from "./storage";
import { ui } from "./ui";

// Whether the stack requires tokens: `pnpm dev` says so in a <meta> (the CSP allows no inline script).
export const requiresTokens =
  document.querySelector<HTMLMetaElement>('meta[name="chat-auth"]')?.content === "jwt";

// Where `pnpm dev` mints this page a token from its development issuer (same origin: the issuer refuses pages).
const SIGN_IN_PATH = "/auth/dev-token";

/** A token for this browser's user, signed by the development issuer with their name: asked again when it expires. */
export const signIn = async ({ userId, username }: Identity): Promise<string> => {
  const response = await fetch(SIGN_IN_PATH, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId, name: username }),
  });
  if (!response.ok) throw new Error(`sign-in answered ${response.status}`);
  const { token } = (await response.json()) as { token?: unknown };
  if (typeof token !== "string") throw new Error("sign-in answered no token");
  return token;
};

/** The API will not have this user (token refused, or not allowed): said plainly, instead of "Reconnecting…". */
export const showRefused = (error: ChatApiError) => {
  ui.status.dataset.status = "refused";
  ui.status.textContent = "Signed out";
  ui.refused.textContent =
    error.code === "forbidden"
      ? `You are not allowed here (${error.error.message}).`
      : `The chat refused your sign-in (${error.error.message}). Sign in again to keep chatting.`;
  ui.refused.hidden = false;
  ui.send.disabled = true;
};
