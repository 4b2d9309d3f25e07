import { defineConfig } from "vitest/config";
import { coverage } from "../../vitest.coverage";

export default defineConfig({
  test: {
    coverage,
    globalSetup: ["./test/global-setup.ts"],
    // Some tests make ~50 sequential requests to DynamoDB Local; CI runs every package's tests at once on 2 cores,
    // where a request can take 100 ms. Timing is never what these tests assert.
    testTimeout: 20_000,
  },
});
