import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createServer, type Plugin } from "vite";
import type { DevIssuer } from "./dev-issuer";
import { type ReferencePage, referencePage } from "./reference";
import { createPageSignIn } from "./web-sign-in";

export interface WebServerOptions {
  /** The HTTP API the page's `/api` is proxied to. */
  httpUrl: string;
  /** The WebSocket API the page's `/ws` is proxied to. */
  wsUrl: string;
  /** 0 picks a free port; when this one is taken, the next free one is used. Default 5173. */
  port?: number;
  /**
   * On a stack that requires tokens: the development issuer, which the page's sign-in (`POST /auth/dev-token`)
   * mints with. Absent, the page runs without tokens.
   */
  issuer?: Pick<DevIssuer, "mint"> | undefined;
}

export interface WebServer {
  url: string;
  /** The API reference: the OpenAPI document rendered by Redoc, served at `/reference`. */
  referenceUrl: string;
  stop(): Promise<void>;
}

// The page's package, served from its sources. Found by path rather than imported: @chat/web's own tests run this
// stack, so a package dependency either way would be a cycle.
const webRoot = fileURLToPath(new URL("../../web", import.meta.url));

/**
 * Serves the chat page (packages/web) with Vite on 127.0.0.1, proxying `/api` (HTTP) and `/ws` (WebSocket upgrades
 * only) to the given APIs so the page is same-origin (no CORS needed) while the client itself only ever sees base
 * URLs.
 */
export const startWebServer = async ({
  httpUrl,
  wsUrl,
  port = 5173,
  issuer,
}: WebServerOptions): Promise<WebServer> => {
  const sigterm = new Set(process.listeners("SIGTERM"));
  const stdinEnd = new Set(process.stdin.listeners("end"));
  const server = await createServer({
    configFile: false,
    root: webRoot,
    logLevel: "warn",
    clearScreen: false,
    server: {
      host: "127.0.0.1",
      port,
      // A taken port is not an error: the next free one is used, as `vite` itself does.
      strictPort: false,
      proxy: {
        "/api/": { target: httpUrl, rewrite: (path) => path.replace(/^\/api/, "") },
        // WebSocket upgrades only: Vite calls `bypass` without a response for an upgrade, and a plain HTTP request
        // to /ws/... gets a 404 instead of reaching the WebSocket port (its management API and token issuer).
        "/ws": {
          target: wsUrl,
          ws: true,
          rewrite: (path) => path.replace(/^\/ws/, ""),
          bypass: (_req, res) => (res ? false : undefined),
        },
      },
    },
    plugins: [pageAuth(issuer), apiReference(httpUrl)],
    // The page's only dependency from npm is valibot, plain ESM: served as is, no optimiser run that would
    // reload the page mid-load the first time.
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  // Vite exits the process itself on SIGTERM or at the end of stdin, cutting short the stack's own shutdown (Java
  // included); whoever starts this server stops it.
  for (const listener of process.listeners("SIGTERM")) {
    if (!sigterm.has(listener)) process.off("SIGTERM", listener);
  }
  for (const listener of process.stdin.listeners("end")) {
    if (!stdinEnd.has(listener)) process.stdin.off("end", listener as () => void);
  }
  await server.listen();
  const address = server.httpServer?.address() as AddressInfo;
  const url = `http://127.0.0.1:${address.port}`;
  return { url, referenceUrl: `${url}${REFERENCE_PATH}`, stop: () => server.close() };
};

/**
 * Tells the page whether the stack requires tokens (a `<meta name="chat-auth">`: the page's CSP allows no inline
 * script) and, when it does, serves the page's same-origin sign-in.
 */
const pageAuth = (issuer: Pick<DevIssuer, "mint"> | undefined): Plugin => ({
  name: "chat-page-auth",
  transformIndexHtml: (html) =>
    html.replace("</head>", `  <meta name="chat-auth" content="${issuer ? "jwt" : "none"}" />\n  </head>`),
  configureServer: (server) => {
    if (!issuer) return;
    const pageOrigins = () => {
      const address = server.httpServer?.address() as AddressInfo | null;
      return address ? [`http://127.0.0.1:${address.port}`, `http://localhost:${address.port}`] : [];
    };
    const signIn = createPageSignIn(issuer, pageOrigins);
    server.middlewares.use((req, res, next) => {
      if (!signIn(req, res)) next();
    });
  },
});

const REFERENCE_PATH = "/reference";

/**
 * Serves the API reference at `/reference`, rendered once the server starts (a second or two the first time, then
 * from the cache), with a policy that lets the page run its own inline script and load nothing from elsewhere.
 */
const apiReference = (httpUrl: string): Plugin => ({
  name: "chat-api-reference",
  configureServer: (server) => {
    let page: Promise<ReferencePage> | undefined;
    const render = () => {
      page ??= referencePage(httpUrl).catch((error: unknown) => {
        page = undefined;
        throw error;
      });
      return page;
    };
    // Started now, so the page is ready by the time someone opens it; a failure is reported on request.
    render().catch(() => undefined);
    server.middlewares.use((req, res, next) => {
      const path = req.url?.split("?")[0];
      if (path !== REFERENCE_PATH && path !== `${REFERENCE_PATH}/`) return next();
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      render().then(
        ({ html, contentSecurityPolicy }) => {
          res.writeHead(200, {
            "content-type": "text/html; charset=utf-8",
            "content-security-policy": contentSecurityPolicy,
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
          });
          res.end(req.method === "HEAD" ? undefined : html);
        },
        (error: unknown) => {
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
          res.end(
            `Could not render the API reference: ${error instanceof Error ? error.message : String(error)}`,
          );
        },
      );
    });
  },
});
