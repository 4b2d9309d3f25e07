import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Measured on every run (`pnpm test`, and so CI): a summary here, and coverage/coverage-summary.json for .ci/run.
    coverage: {
      enabled: true,
      provider: "v8",
      include: ["src/**/*.ts"],
      exclude: ["src/**/*.test.ts"],
      reporter: ["text-summary", "json-summary"],
      thresholds: { lines: 80 },
    },
    // The local stack's own DynamoDB Local takes a few seconds to start; retry-after waits are real seconds.
    hookTimeout: 60_000,
    // Generous: these tests post hundreds of real messages, and CI runs other packages' suites at the same time.
    testTimeout: 120_000,
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
  },
});
