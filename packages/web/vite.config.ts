import { defineConfig, loadEnv, type Plugin } from "vite";

/**
 * The production build's Content-Security-Policy: the page may connect to the API origins it was built for
 * (`VITE_CHAT_HTTP_URL`, `VITE_CHAT_WS_URL`) besides its own, and needs no inline styles (Vite's dev server does).
 */
const contentSecurityPolicy = (env: Record<string, string>): Plugin => {
  const origins = [env.VITE_CHAT_HTTP_URL, env.VITE_CHAT_WS_URL].flatMap((url) =>
    url && URL.canParse(url) ? [new URL(url).origin] : [],
  );
  return {
    name: "chat-content-security-policy",
    apply: "build",
    transformIndexHtml: (html) => {
      if (!html.includes("connect-src 'self';"))
        throw new Error("index.html has no connect-src 'self' to extend");
      return html
        .replace("connect-src 'self';", `${["connect-src 'self'", ...new Set(origins)].join(" ")};`)
        .replace("style-src 'self' 'unsafe-inline';", "style-src 'self';");
    },
  };
};

export default defineConfig(({ mode }) => ({
  plugins: [contentSecurityPolicy(loadEnv(mode, process.cwd(), "VITE_"))],
}));
