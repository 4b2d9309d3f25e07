// The child side of `startHost`: loads the module named on the command line (its top-level await included), says
// so with message id 0, then serves calls to its exports. `exit` runs the module's `stop` export first.

type Command = (args: unknown) => unknown;

const modulePath = process.argv[2];
if (!modulePath || !process.send) throw new Error("host-entry runs under startHost only");
const send = process.send.bind(process);
const module = (await import(modulePath)) as Record<string, unknown>;

process.on("message", async ({ id, command, args }: { id: number; command: string; args: unknown }) => {
  if (command === "exit") {
    if (typeof module.stop === "function") await (module.stop as Command)(undefined);
    process.exit(0);
  }
  try {
    const fn = module[command];
    if (typeof fn !== "function") throw new Error(`no command ${command}`);
    send({ id, ok: true, result: await (fn as Command)(args) });
  } catch (error) {
    send({ id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
send({ id: 0, ok: true, result: null });
