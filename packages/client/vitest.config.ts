import { defineConfig } from "vitest/config";
import { coverage } from "../../vitest.coverage";

export default defineConfig({
  test: {
    coverage,
    // The local stack's own DynamoDB Local takes a few seconds to start; retry-after waits are real seconds.
    hookTimeout: 60_000,
    // Generous: these tests post hundreds of real messages, and CI runs other packages' suites at the same time.
    testTimeout: 120_000,
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
  },
});
