import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The stack's own DynamoDB Local takes a few seconds to start.
    hookTimeout: 60_000,
    // End-to-end tests drive hundreds of real requests; each still has to finish.
    testTimeout: 60_000,
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "error" },
  },
});
