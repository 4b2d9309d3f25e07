import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // SST's run() changes the working directory, which only a process (not a worker thread) may do; one process per
    // file also keeps Pulumi's global runtime state apart between the stages.
    pool: "forks",
    // Running the whole config under Pulumi's mocks takes seconds, and more on a busy 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
