import { describe, expect, it } from "vitest";
import { planDeploy } from "./test/deploy-plan";

// Its own file: each runs in its own process, and Pulumi's runtime state is global to a process.
describe("planning a production stage that allows every origin", () => {
  it("fails before anything is created, saying what to set instead", async () => {
    process.env.CHAT_JWT_ISSUER = "https://auth.example.com";
    process.env.CHAT_JWT_AUDIENCE = "chat-api";
    process.env.CHAT_CORS_ORIGINS = "https://chat.example.com,*";

    await expect(planDeploy("production")).rejects.toThrow(
      'CHAT_CORS_ORIGINS: "*" is refused on production stage "production"',
    );
  });
});
