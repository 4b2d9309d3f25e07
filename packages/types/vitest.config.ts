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
  },
});
