import { fileURLToPath } from "node:url";
import { build, type Rollup } from "vite";
import { afterEach, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The index.html of a production build made with the given API URLs. */
const builtPage = async (env: Record<string, string>): Promise<string> => {
  Object.assign(process.env, env);
  const output = (await build({ root, logLevel: "silent", build: { write: false } })) as Rollup.RollupOutput;
  const page = output.output.find((file) => file.fileName === "index.html");
  if (page?.type !== "asset") throw new Error("the build has no index.html");
  return String(page.source);
};

const policyOf = (html: string) =>
  /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]?.split(/;\s*/) ?? [];

afterEach(() => {
  delete process.env.VITE_CHAT_HTTP_URL;
  delete process.env.VITE_CHAT_WS_URL;
});

describe("the production build's Content-Security-Policy", () => {
  it("lets the page connect to its own origin and the API origins it was built for, and nothing else", async () => {
    const html = await builtPage({
      VITE_CHAT_HTTP_URL: "https://abc123.execute-api.eu-west-1.amazonaws.com/",
      VITE_CHAT_WS_URL: "wss://def456.execute-api.eu-west-1.amazonaws.com/prod",
    });

    const policy = policyOf(html);
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain(
      "connect-src 'self' https://abc123.execute-api.eu-west-1.amazonaws.com wss://def456.execute-api.eu-west-1.amazonaws.com",
    );
    expect(policy).toContain("style-src 'self'");
    expect(policy).toContain("object-src 'none'");
  }, 60_000);
});
