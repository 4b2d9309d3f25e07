import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, symlink } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";

// `pnpm dev` (tsx src/main.ts) as a developer meets it: without Java, with a port taken, and stopped with Ctrl-C.

const localPackage = fileURLToPath(new URL("..", import.meta.url));

interface Dev {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const running: Dev[] = [];

/**
 * Starts `pnpm dev` in a process group of its own, so that a test can send SIGINT to the whole group as a
 * terminal's Ctrl-C does (DynamoDB Local's Java included).
 */
const startDev = (env: Record<string, string | undefined>): Dev => {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: localPackage,
    env: { ...process.env, CHAT_HTTP_PORT: "0", CHAT_WS_PORT: "0", CHAT_WEB_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const dev = { child, output: () => output, exited };
  running.push(dev);
  return dev;
};

/** Resolves with the first match of `pattern` in the output, or rejects when the process exits first. */
const waitFor = async (dev: Dev, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(dev.output());
    if (match) return match;
    if (dev.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${pattern} in the output of pnpm dev:\n${dev.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** A port held by another program for the duration of a test. */
const holdPort = (port = 0) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
const portOf = (server: Server) => (server.address() as { port: number }).port;
const held: Server[] = [];

afterEach(async () => {
  for (const dev of running.splice(0)) {
    if (dev.child.exitCode === null && dev.child.pid) process.kill(-dev.child.pid, "SIGKILL");
    await dev.exited;
  }
  for (const server of held.splice(0)) server.close();
});

describe("pnpm dev without Java", () => {
  it("says what to install on Debian/Ubuntu, macOS and Windows, and exits non-zero", async () => {
    // A PATH with node and nothing else, and no JAVA_HOME: no java, no javac.
    const bin = await mkdtemp(join(tmpdir(), "no-java-"));
    await symlink(process.execPath, join(bin, "node"));

    const dev = startDev({ PATH: bin, JAVA_HOME: undefined });
    const code = await dev.exited;

    expect(code).not.toBe(0);
    expect(dev.output()).toContain("Java 17");
    expect(dev.output()).toContain("apt-get install openjdk-17-jre-headless");
    expect(dev.output()).toContain("brew install openjdk@17");
    expect(dev.output()).toContain("winget install Microsoft.OpenJDK.17");
    expect(dev.output()).not.toMatch(/^\s+at /m);
  });

  it("names a JAVA_HOME that has no java in it", async () => {
    const bin = await mkdtemp(join(tmpdir(), "no-java-"));
    await symlink(process.execPath, join(bin, "node"));
    const javaHome = await mkdtemp(join(tmpdir(), "empty-java-home-"));

    const dev = startDev({ PATH: bin, JAVA_HOME: javaHome });
    const code = await dev.exited;

    expect(code).not.toBe(0);
    expect(dev.output()).toContain(`JAVA_HOME (${javaHome})`);
    expect(dev.output()).toContain("apt-get install openjdk-17-jre-headless");
  });
});

describe("pnpm dev with a port taken", () => {
  it.each([
    ["CHAT_HTTP_PORT", "HTTP API"],
    ["CHAT_WS_PORT", "WebSocket API"],
  ])("says to set %s when the %s's port is in use, and exits non-zero", async (variable, what) => {
    const taken = await holdPort();
    held.push(taken);

    const dev = startDev({ [variable]: String(portOf(taken)) });
    const code = await dev.exited;

    expect(code).not.toBe(0);
    expect(dev.output()).toContain(`${what} port ${portOf(taken)} is in use`);
    expect(dev.output()).toContain(`${variable}=`);
    expect(dev.output()).not.toMatch(/^\s+at /m);
  });
});

describe("pnpm dev's web page, and Ctrl-C", () => {
  it("takes the next free port when the page's is in use, then on Ctrl-C runs every $disconnect before DynamoDB Local stops", async () => {
    const taken = await holdPort();
    held.push(taken);
    const port = portOf(taken);
    // Debug lines of the handlers: one "socket event" line per $disconnect, with its status.
    const dev = startDev({ CHAT_WEB_PORT: String(port), LOG_LEVEL: "info" });
    const [, webPort] = await waitFor(dev, /Web page\s+http:\/\/127\.0\.0\.1:(\d+)/);
    const [, wsUrl] = await waitFor(dev, /WebSocket API\s+(ws:\/\/[^/\s]+)/);

    const sockets = await Promise.all(
      ["ann", "bob", "cy"].map(
        (user) =>
          new Promise<WebSocket>((resolve, reject) => {
            const socket = new WebSocket(`${wsUrl}/?roomId=shutdown&userId=${user}&username=${user}`);
            socket.once("open", () => resolve(socket));
            socket.once("error", reject);
          }),
      ),
    );
    const closed = sockets.map((socket) => new Promise<number>((resolve) => socket.once("close", resolve)));
    const before = dev.output().length;
    // Ctrl-C in a terminal: SIGINT to the whole process group.
    if (dev.child.pid) process.kill(-dev.child.pid, "SIGINT");
    const code = await dev.exited;
    await Promise.all(closed);
    const shutdown = dev.output().slice(before);
    const disconnects = shutdown
      .split("\n")
      .filter((line) => line.includes('"socket event"') && line.includes('"$disconnect"'));

    expect(Number(webPort)).toBeGreaterThan(port);
    expect(dev.output()).toContain(`${port} is in use`);
    expect(code, dev.output()).toBe(0);
    expect(disconnects).toHaveLength(sockets.length);
    for (const line of disconnects) expect(line).toContain('"status":200');
    expect(shutdown).not.toMatch(/"status":5\d\d|unavailable/);
  });
});
