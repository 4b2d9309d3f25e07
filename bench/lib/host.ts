import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * A child process that loads one bench module and runs its exported functions on request. Handlers read their
 * configuration from the environment once, at first use, so each configuration (table, management endpoint)
 * needs a process of its own, as each Lambda function has. Their JSON logs go to /dev/null: written, as on Lambda,
 * but not mixed into the bench's output.
 */
export interface Host {
  call<T>(command: string, args?: unknown): Promise<T>;
  stop(): Promise<void>;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

const entry = fileURLToPath(new URL("./host-entry.ts", import.meta.url));

export const startHost = async (module: URL, env: Record<string, string>): Promise<Host> => {
  const child: ChildProcess = fork(entry, [fileURLToPath(module)], {
    env: { ...process.env, ...env },
    // The tsx loader this process runs under is passed on by fork's default execArgv.
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  // Id 0 is the child's own "loaded" message.
  const loaded = new Promise<unknown>((resolve, reject) => pending.set(0, { resolve, reject }));
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.on("exit", (code, signal) => {
    for (const { reject } of pending.values()) reject(new Error(`bench host exited (${signal ?? code})`));
    pending.clear();
  });
  child.on("message", (message: Reply) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(message.error));
  });
  const call = <T>(command: string, args?: unknown) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, command, args });
    });
  try {
    await loaded;
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    call,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ id: 0, command: "exit" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
};
