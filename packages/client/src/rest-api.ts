import type { ChatMessage, GetMessagesResponse, PresentUser } from "@chat/types";

/** What to send: the text, and optionally the id that makes a retried send idempotent. */
export interface SendInput {
  text: string;
  /** 1–64 of `A-Za-z0-9_-`; generated when absent. Resending with the same id never stores twice. */
  clientMessageId?: string;
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
  readonly userId: string;
  readonly username: string;
  send(roomId: string, input: SendInput): Promise<ChatMessage>;
  history(roomId: string, query: HistoryQuery): Promise<GetMessagesResponse>;
  members(roomId: string): Promise<PresentUser[]>;
}
