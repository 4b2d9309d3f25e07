import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // `pnpm dev` (DynamoDB Local, the APIs, Vite) and Chromium take a few seconds each to start.
    hookTimeout: 90_000,
    testTimeout: 60_000,
  },
});
