// Progress goes to a terminal only: in CI logs or a pipe it would be noise between the results.
const tty = process.stdout.isTTY === true || process.env.BENCH_PROGRESS === "1";

export interface Progress {
  update(detail: string): void;
  done(): void;
}

/** One status line, rewritten in place, for a running scenario. */
export const progress = (label: string): Progress => {
  const started = performance.now();
  const write = (text: string) => {
    if (tty) process.stdout.write(process.stdout.isTTY ? `\r\x1b[2K${text}` : `${text}\n`);
  };
  write(`${label} ...`);
  return {
    update: (detail) => write(`${label}: ${detail} (${((performance.now() - started) / 1000).toFixed(0)} s)`),
    done: () => write(""),
  };
};
