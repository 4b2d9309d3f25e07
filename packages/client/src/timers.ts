/** Timeouts that can all be cancelled at once, when a connection closes for good. */
export class Timers {
  readonly #pending = new Set<ReturnType<typeof setTimeout>>();

  /** Runs `run` after `ms`, unless cancelled or cleared first. */
  after(ms: number, run: () => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      run();
    }, ms);
    this.#pending.add(timer);
    return timer;
  }

  cancel(timer: ReturnType<typeof setTimeout>): void {
    clearTimeout(timer);
    this.#pending.delete(timer);
  }

  clear(): void {
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
  }
}
