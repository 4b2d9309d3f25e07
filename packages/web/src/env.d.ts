/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The HTTP API's base URL for a build served elsewhere (e.g. the stage's API on AWS); `/api` by default. */
  readonly VITE_CHAT_HTTP_URL?: string;
  /** The WebSocket API's base URL for such a build; `/ws` by default. */
  readonly VITE_CHAT_WS_URL?: string;
}
