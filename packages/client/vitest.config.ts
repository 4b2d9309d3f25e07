import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The local stack's own DynamoDB Local takes a few seconds to start; retry-after waits are real seconds.
    hookTimeout: 60_000,
    testTimeout: 30_000,
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
  },
});
