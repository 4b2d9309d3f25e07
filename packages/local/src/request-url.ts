import type { IncomingMessage } from "node:http";

/**
 * The URL of a request as its path and query were sent. Resolving `req.url` against a base would read a path
 * like `//host/x` as another host (and throw on some), so the path is appended to a fixed origin instead.
 */
export const requestUrl = (req: IncomingMessage): URL => {
  const target = req.url?.startsWith("/") ? req.url : `/${req.url ?? ""}`;
  return new URL(`http://localhost${target}`);
};
