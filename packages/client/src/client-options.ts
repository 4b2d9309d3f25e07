import type { WebSocketConstructor } from "./reconnecting-socket";
import type { RetryEvent, RetryOptions } from "./retry";

/** A page of a list that can grow: `limit` 1–100 (default 50), `cursor` the previous page's `nextCursor`. */
export interface PageQuery {
  limit?: number;
  cursor?: string | null;
}

/** Options of `createChatClient` and `new ChatClient`. */
export interface ChatClientOptions {
  /** Base URL of the HTTP API: `http://127.0.0.1:3000` locally, the stage's API URL on AWS, or a path such as `/api` behind a proxy. */
  httpUrl: string;
  /** Base URL of the WebSocket API: `ws://127.0.0.1:3001` locally, the stage's WebSocket URL on AWS, or a path such as `/ws` behind a proxy. */
  wsUrl: string;
  /**
   * Who sends, validated like the API validates it: required without a `token`. With one they may be left out
   * (the token's subject is the user, its `name` claim the display name); a `userId` other than the token's subject
   * is refused (403), and a `username` counts only when the token has no name.
   */
  userId?: string;
  username?: string;
  /**
   * A bearer token for a stage that requires tokens, or a function that gets one (it may be async): REST calls
   * send it as `Authorization: Bearer`, the socket as `?token=`. A function is asked again for a fresh token after
   * a 401 (the call is then retried once) and before every (re)connect.
   */
  token?: string | (() => string | Promise<string>);
  /** Retries of network failures, 429 and 503 (and the gateway's 502/504). */
  retry?: RetryOptions;
  /** Gives up on one attempt after this long and counts it as a network failure. Default 15 s. */
  timeoutMs?: number;
  /** Called before each retry's wait: for logs and metrics. */
  onRetry?: (event: RetryEvent) => void;
  /** The `fetch` to use; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** The WebSocket class to use; default `globalThis.WebSocket` (Node 20 has none: pass the `ws` package's). */
  WebSocket?: WebSocketConstructor;
  /** The randomness behind retry jitter; default `Math.random`. */
  random?: () => number;
}

/** Options of one REST call. */
export interface CallOptions {
  /** Aborts the call, retries and waits included. */
  signal?: AbortSignal;
}

/** What `PushSubscription.toJSON()` gives (the fields the API reads). */
export interface PushSubscriptionLike {
  endpoint?: string | undefined;
  keys?: Record<string, string> | undefined;
}
