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
    globalSetup: ["./test/global-setup.ts"],
    // Some tests write a hundred rows to DynamoDB Local first; with other packages' suites running beside them
    // (turbo runs three at once) that can take longer than vitest's 5 s default. They assert on behaviour, not speed.
    testTimeout: 30_000,
  },
});
