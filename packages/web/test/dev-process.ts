import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";

export interface DevProcess {
  webUrl: string;
  /** The API reference page it prints. */
  referenceUrl: string;
  httpUrl: string;
  /** The WebSocket API's port, which also serves the development token issuer. */
  wsUrl: string;
  output: () => string;
  stop(): Promise<number | null>;
}

const localPackage = fileURLToPath(new URL("../../local", import.meta.url));

/**
 * Runs `pnpm dev` as a developer does (packages/local's `tsx src/main.ts`), on free ports, and reads the URLs it
 * prints. Stopping sends SIGTERM, which must take everything down, Java included.
 */
export const startDev = (timeoutMs = 60_000, env: Record<string, string> = {}): Promise<DevProcess> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: localPackage,
      env: {
        ...process.env,
        CHAT_HTTP_PORT: "0",
        CHAT_WS_PORT: "0",
        CHAT_WEB_PORT: "0",
        LOG_LEVEL: "warn",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    const stop = async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    };
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`pnpm dev printed no URLs within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const webUrl = /Web page\s+(http:\/\/\S+)/.exec(output)?.[1];
      const referenceUrl = /API reference\s+(http:\/\/\S+)/.exec(output)?.[1];
      const httpUrl = /HTTP API\s+(http:\/\/\S+)/.exec(output)?.[1];
      const wsUrl = /WebSocket API\s+(ws:\/\/[^/\s]+)/.exec(output)?.[1];
      if (webUrl && referenceUrl && httpUrl && wsUrl) {
        clearTimeout(timer);
        resolve({ webUrl, referenceUrl, httpUrl, wsUrl, output: () => output, stop });
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`pnpm dev exited with ${code}:\n${output}`));
    });
  });

/** Debian's Chromium here; elsewhere (a GitHub runner) whichever Chrome is installed, or CHROMIUM_PATH. */
export const chromiumPath = (): string => {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/google-chrome"];
  const found = candidates.find((path) => path && existsSync(path));
  if (!found) throw new Error("No Chromium: apt-get install -y chromium (or set CHROMIUM_PATH)");
  return found;
};

/**
 * Debian's Chromium, headless, with the flags it needs on these machines (as root; no background networking, which
 * the closed network refuses). Playwright adds --headless and a fresh temporary --user-data-dir per launch.
 */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath(),
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
