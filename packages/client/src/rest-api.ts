import type { ChatMessage, GetMessagesResponse, PresentUser } from "@chat/types";
import type { ChatError } from "./errors";

/** What to send: the text, and optionally the id that makes a retried send idempotent. */
export interface SendInput {
  text: string;
  /** 1–64 of `A-Za-z0-9_-`; generated when absent. Resending with the same id never stores twice. */
  clientMessageId?: string;
  /** Makes the message a reply to this top-level message of the room. */
  parentId?: string;
}

/** A page query of `history`: `before` pages back, `after` reads forward (catch-up); not both. */
export interface HistoryQuery {
  before?: string;
  after?: string;
  /** 1–100, default 50. */
  limit?: number;
}

/**
 * The few REST calls the realtime parts make, and who makes them: `ChatClient` is one. The parts depend on this,
 * never on the client class, so a part can be tested with a stand-in.
 */
export interface RestApi {
  /** Who sends: as given, else (with a token) the token's subject once one was read; undefined until then. */
  readonly userId: string | undefined;
  /** The display name: the token's `name` (or `preferred_username`) claim, else the one given. */
  readonly username: string | undefined;
  /** How a socket says who it is (with a token, or the given identity) and learns why a handshake was refused. */
  readonly socketAuth?: SocketAuth | undefined;
  send(roomId: string, input: SendInput): Promise<ChatMessage>;
  history(roomId: string, query: HistoryQuery): Promise<GetMessagesResponse>;
  members(roomId: string): Promise<PresentUser[]>;
}

/** What a socket needs from its client: who it is, and why a handshake was refused. */
export interface SocketAuth {
  /** The user id and name the options gave, if any: a handshake names only these (a token names the rest). */
  readonly given: { userId?: string | undefined; username?: string | undefined };
  /** With a token: a fresh one for the next handshake (every (re)connect asks the provider anew). */
  token?: (() => Promise<string>) | undefined;
  /**
   * Why a handshake failed without opening (a browser cannot read its status), asked over REST as the same user
   * (with the token, refreshed once on a 401; without one, the `x-user-id` header): the `ChatApiError` when the
   * token is refused (401) or the user is not allowed (403, e.g. banned from the room), so the socket stops;
   * undefined when the handshake may succeed again.
   */
  refusal(roomId: string): Promise<ChatError | undefined>;
}
