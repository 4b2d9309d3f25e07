import { defineConfig } from "vitest/config";
import { coverage } from "../../vitest.coverage";

export default defineConfig({
  test: {
    coverage,
    globalSetup: ["./test/global-setup.ts"],
  },
});
