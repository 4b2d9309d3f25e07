import { defineConfig } from "vitest/config";
import { coverage } from "../../vitest.coverage";

export default defineConfig({
  test: {
    coverage,
    globalSetup: ["./test/global-setup.ts"],
    // Some tests write a hundred rows to DynamoDB Local first; with other packages' suites running beside them
    // (turbo runs three at once) that can take longer than vitest's 5 s default. They assert on behaviour, not speed.
    testTimeout: 30_000,
  },
});
