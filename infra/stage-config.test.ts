import { afterEach, describe, expect, it } from "vitest";
import { stageConfig } from "./stage-config";

const withEnvironment = (variables: Record<string, string | undefined>) => {
  for (const [name, value] of Object.entries(variables)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
};

// Production requires tokens as well: these name a made-up identity provider.
const productionAuth = { CHAT_JWT_ISSUER: "https://auth.example.com", CHAT_JWT_AUDIENCE: "chat-api" };

describe("a stage's CORS origins", () => {
  afterEach(() => {
    withEnvironment({
      CHAT_CORS_ORIGINS: undefined,
      CHAT_JWT_ISSUER: undefined,
      CHAT_JWT_AUDIENCE: undefined,
    });
  });

  it("allows every origin on a development stage unless told otherwise", () => {
    expect(stageConfig("dev").corsAllowOrigins).toEqual(["*"]);
  });

  it("allows exactly the origins of CHAT_CORS_ORIGINS, trimmed", () => {
    withEnvironment({
      ...productionAuth,
      CHAT_CORS_ORIGINS: " https://chat.example.com , https://a.example.com:8443",
    });

    expect(stageConfig("production").corsAllowOrigins).toEqual([
      "https://chat.example.com",
      "https://a.example.com:8443",
    ]);
    expect(stageConfig("alice").corsAllowOrigins).toEqual([
      "https://chat.example.com",
      "https://a.example.com:8443",
    ]);
  });

  it("refuses * on a production stage, alone or in a list", () => {
    withEnvironment({ ...productionAuth, CHAT_CORS_ORIGINS: "*" });
    expect(() => stageConfig("production")).toThrow('"*" is refused on production stage "production"');

    withEnvironment({ CHAT_CORS_ORIGINS: "https://chat.example.com,*" });
    expect(() => stageConfig("production")).toThrow('"*" is refused on production stage "production"');
  });

  it("requires a production stage to name its origins", () => {
    withEnvironment(productionAuth);

    expect(() => stageConfig("production")).toThrow("set CHAT_CORS_ORIGINS to the web client's origin(s)");
  });

  it("refuses what is not an origin, and plain http on production", () => {
    withEnvironment({ ...productionAuth, CHAT_CORS_ORIGINS: "https://chat.example.com/app" });
    expect(() => stageConfig("dev")).toThrow('"https://chat.example.com/app" is not an origin');

    withEnvironment({ CHAT_CORS_ORIGINS: "http://chat.example.com" });
    expect(stageConfig("dev").corsAllowOrigins).toEqual(["http://chat.example.com"]);
    expect(() => stageConfig("production")).toThrow('"http://chat.example.com" must use https');
  });
});
