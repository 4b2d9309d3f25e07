import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Running the whole config under Pulumi's mocks takes a few seconds on a busy 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
