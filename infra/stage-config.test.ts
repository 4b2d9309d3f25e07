import { afterEach, describe, expect, it } from "vitest";
import { OPEN_PRODUCTION_CONSENT, stageConfig } from "./stage-config";

const withEnvironment = (variables: Record<string, string | undefined>) => {
  for (const [name, value] of Object.entries(variables)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
};

// Production requires tokens and an alarm route as well: these name a made-up identity provider and address.
const productionAuth = {
  CHAT_JWT_ISSUER: "https://auth.example.com",
  CHAT_JWT_AUDIENCE: "chat-api",
  CHAT_ALARM_EMAIL: "oncall@example.com",
};

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
      CHAT_ALARM_EMAIL: undefined,
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
      CHAT_ALARM_EMAIL: "oncall@example.com",
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

describe("a stage's token audiences", () => {
  afterEach(() => {
    withEnvironment({ CHAT_AUTH: undefined, CHAT_JWT_ISSUER: undefined, CHAT_JWT_AUDIENCE: undefined });
  });

  it("are the comma-separated list of CHAT_JWT_AUDIENCE, trimmed (an API and a Cognito app client, say)", () => {
    withEnvironment({
      CHAT_AUTH: "jwt",
      CHAT_JWT_ISSUER: "https://auth.example.com",
      CHAT_JWT_AUDIENCE: " chat-api , 4mq0cognitoappclient,",
    });

    expect(stageConfig("dev").settings.auth).toEqual({
      mode: "jwt",
      issuer: "https://auth.example.com",
      audiences: ["chat-api", "4mq0cognitoappclient"],
    });
  });

  it("must name at least one", () => {
    withEnvironment({
      CHAT_AUTH: "jwt",
      CHAT_JWT_ISSUER: "https://auth.example.com",
      CHAT_JWT_AUDIENCE: " , ",
    });

    expect(() => stageConfig("dev")).toThrow("set CHAT_JWT_ISSUER and CHAT_JWT_AUDIENCE");
  });
});

describe("a stage's alarm route", () => {
  const production = {
    CHAT_JWT_ISSUER: "https://auth.example.com",
    CHAT_JWT_AUDIENCE: "chat-api",
    CHAT_CORS_ORIGINS: "https://chat.example.com",
  };
  afterEach(() => {
    withEnvironment({
      CHAT_ALARM_EMAIL: undefined,
      CHAT_ALARM_TOPIC_ARN: undefined,
      CHAT_JWT_ISSUER: undefined,
      CHAT_JWT_AUDIENCE: undefined,
      CHAT_CORS_ORIGINS: undefined,
    });
  });

  it("is required on a production stage, saying what to set", () => {
    withEnvironment(production);

    expect(() => stageConfig("production")).toThrow(
      'Stage "production" is a production stage: its alarms must reach someone. Set CHAT_ALARM_EMAIL',
    );
  });

  it("is an e-mail address or an existing SNS topic, not both", () => {
    withEnvironment({ ...production, CHAT_ALARM_EMAIL: " oncall@example.com " });
    expect(stageConfig("production").alarmRoute).toEqual({ email: "oncall@example.com" });

    const topicArn = "arn:aws:sns:eu-west-1:123456789012:pager";
    withEnvironment({ CHAT_ALARM_EMAIL: undefined, CHAT_ALARM_TOPIC_ARN: topicArn });
    expect(stageConfig("production").alarmRoute).toEqual({ topicArn });

    withEnvironment({ CHAT_ALARM_EMAIL: "oncall@example.com" });
    expect(() => stageConfig("production")).toThrow("not both");
  });

  it("refuses what is not an address or a topic ARN", () => {
    withEnvironment({ CHAT_ALARM_EMAIL: "oncall" });
    expect(() => stageConfig("dev")).toThrow('CHAT_ALARM_EMAIL: "oncall" is not an e-mail address');

    withEnvironment({
      CHAT_ALARM_EMAIL: undefined,
      CHAT_ALARM_TOPIC_ARN: "arn:aws:sqs:eu-west-1:123456789012:q",
    });
    expect(() => stageConfig("dev")).toThrow("is not an SNS topic ARN");
  });

  it("is optional on a development stage", () => {
    expect(stageConfig("dev").alarmRoute).toBeNull();
  });
});
