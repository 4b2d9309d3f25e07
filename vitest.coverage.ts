import type { ViteUserConfig } from "vitest/config";

/**
 * Coverage as every package with a threshold measures it, on every run (`pnpm test`, and so CI): a summary in the
 * run's output, and coverage/coverage-summary.json for .ci/run's table.
 */
export const coverage = {
  enabled: true,
  provider: "v8",
  include: ["src/**/*.ts"],
  exclude: ["src/**/*.test.ts"],
  reporter: ["text-summary", "json-summary"],
  thresholds: { lines: 80 },
} satisfies NonNullable<NonNullable<ViteUserConfig["test"]>["coverage"]>;
