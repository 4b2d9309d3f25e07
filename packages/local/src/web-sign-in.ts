import type { IncomingMessage, ServerResponse } from "node:http";
import { toErrorIssues, UserId, Username } from "@chat/types";
import * as v from "valibot";
import { type DevIssuer, readLimited } from "./dev-issuer";
import { sendError, sendJson } from "./gateway-response";
import { requestUrl } from "./request-url";

/** Where the web page signs in on a `jwt` stack: same origin as the page, so the issuer itself need not answer it. */
export const SIGN_IN_PATH = "/auth/dev-token";

/** How long a token minted for the page lives: the page's client asks for a fresh one on every reconnect and 401. */
const PAGE_TOKEN_LIFETIME = "1h";

const SignInRequest = v.strictObject({ userId: UserId, name: Username });

/**
 * The page's sign-in on the development web server: `POST /auth/dev-token { userId, name }` answers `{ token }`
 * minted in-process by the development issuer. The issuer refuses web pages (any `Origin`), since it signs whatever
 * it is asked; this endpoint answers only the page itself: the request's `Origin` must be one of the page's own
 * origins, and the body `application/json` (which a cross-site form cannot send without a preflight). Returns
 * false for any other request.
 */
export const createPageSignIn =
  (issuer: Pick<DevIssuer, "mint">, pageOrigins: () => readonly string[]) =>
  (req: IncomingMessage, res: ServerResponse): boolean => {
    if (requestUrl(req).pathname !== SIGN_IN_PATH) return false;
    signIn(issuer, pageOrigins(), req, res).catch((error: unknown) => {
      console.error(`[web] POST ${SIGN_IN_PATH} failed`, error);
      if (!res.headersSent) sendError(res, 500, "internal", "Internal Server Error");
      else res.destroy();
    });
    return true;
  };

const signIn = async (
  issuer: Pick<DevIssuer, "mint">,
  origins: readonly string[],
  req: IncomingMessage,
  res: ServerResponse,
) => {
  if (req.method !== "POST") {
    req.resume();
    return sendError(res, 404, "not_found", `Not Found: sign in with POST ${SIGN_IN_PATH}`);
  }
  const origin = req.headers.origin;
  if (origin === undefined || !origins.includes(origin)) {
    req.resume();
    return sendError(res, 403, "forbidden", "Only the chat page itself may sign in here");
  }
  const mediaType = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    req.resume();
    return sendError(res, 400, "validation_failed", "Content-Type must be application/json");
  }
  const body = await readLimited(req, 4 * 1024);
  if (body === null) return sendError(res, 413, "payload_too_large", "Body must be at most 4096 bytes");
  let input: unknown;
  try {
    input = JSON.parse(body.toString("utf8"));
  } catch {
    return sendError(res, 400, "invalid_json", "Body must be valid JSON");
  }
  const parsed = v.safeParse(SignInRequest, input);
  if (!parsed.success) {
    return sendJson(res, 400, {
      code: "validation_failed",
      message: 'Send {"userId": "...", "name": "..."}',
      details: toErrorIssues(parsed.issues),
    });
  }
  const { userId, name } = parsed.output;
  sendJson(res, 200, { token: await issuer.mint(userId, { name, expiresIn: PAGE_TOKEN_LIFETIME }) });
};
