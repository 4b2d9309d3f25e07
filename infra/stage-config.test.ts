import { afterEach, describe, expect, it } from "vitest";
import { OPEN_PRODUCTION_CONSENT, stageConfig } from "./stage-config";

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

describe("a stage's auth mode", () => {
  afterEach(() => {
    withEnvironment({
      CHAT_AUTH: undefined,
      CHAT_ALLOW_OPEN_PRODUCTION: undefined,
      CHAT_CORS_ORIGINS: undefined,
      CHAT_JWT_ISSUER: undefined,
      CHAT_JWT_AUDIENCE: undefined,
    });
  });

  it("refuses to deploy a production stage open on CHAT_AUTH=none alone", () => {
    withEnvironment({ CHAT_AUTH: "none", CHAT_CORS_ORIGINS: "https://chat.example.com" });

    expect(() => stageConfig("production")).toThrow(
      'Stage "production" is a production stage and CHAT_AUTH=none would let anyone post as anyone',
    );
    expect(() => stageConfig("production")).toThrow("CHAT_ALLOW_OPEN_PRODUCTION=yes-anyone-can-post");
  });

  it("refuses any other value of the consent setting", () => {
    withEnvironment({
      CHAT_AUTH: "none",
      CHAT_CORS_ORIGINS: "https://chat.example.com",
      CHAT_ALLOW_OPEN_PRODUCTION: "true",
    });

    expect(() => stageConfig("production")).toThrow("CHAT_ALLOW_OPEN_PRODUCTION=yes-anyone-can-post");
  });

  it("opens a production stage only with the deliberately named consent", () => {
    withEnvironment({
      CHAT_AUTH: "none",
      CHAT_CORS_ORIGINS: "https://chat.example.com",
      CHAT_ALLOW_OPEN_PRODUCTION: OPEN_PRODUCTION_CONSENT,
    });

    expect(stageConfig("production").settings.auth).toEqual({ mode: "none" });
  });

  it("leaves development stages open without it", () => {
    withEnvironment({ CHAT_AUTH: "none" });

    expect(stageConfig("dev").settings.auth).toEqual({ mode: "none" });
  });
});

describe("a stage's admins", () => {
  afterEach(() => {
    withEnvironment({ CHAT_ADMINS: undefined });
  });

  it("are none unless CHAT_ADMINS names some", () => {
    expect(stageConfig("dev").settings.admins).toEqual([]);
  });

  it("are the user ids of CHAT_ADMINS, trimmed", () => {
    withEnvironment({ CHAT_ADMINS: " ops-1 , ops-2@example.com,," });

    expect(stageConfig("dev").settings.admins).toEqual(["ops-1", "ops-2@example.com"]);
  });

  it("refuses what is not a user id", () => {
    withEnvironment({ CHAT_ADMINS: "ops-1,not a user" });

    expect(() => stageConfig("dev")).toThrow('CHAT_ADMINS: "not a user" is not a user id');
  });
});
