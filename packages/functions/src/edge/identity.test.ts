import { AppError } from "@chat/core/error";
import { describe, expect, it } from "vitest";
import { callerOf, displayName, resolveCaller } from "./identity";

// The functions' tests run a stage without tokens whose admins are ["stage-admin"] (test/global-setup.ts).
const failure = (act: () => unknown) => {
  try {
    act();
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error("expected a refusal");
};

describe("callerOf (a request without a body, on a stage without tokens)", () => {
  it("is the user of the x-user-id header, named by x-user-name", () => {
    const caller = callerOf({ identity: null, headers: { "x-user-id": "u1", "x-user-name": " alice " } });

    expect(caller).toEqual({ userId: "u1", username: "alice", admin: false });
  });

  it("goes by the user id when x-user-name is absent", () => {
    expect(callerOf({ identity: null, headers: { "x-user-id": "u1" } }).username).toBe("u1");
  });

  it("knows the stage's admins", () => {
    expect(callerOf({ identity: null, headers: { "x-user-id": "stage-admin" } }).admin).toBe(true);
  });

  it("answers validation_failed naming x-user-id when the request names nobody", () => {
    expect(failure(() => callerOf({ identity: null, headers: {} }))).toEqual({
      code: "validation_failed",
      details: [{ path: "x-user-id", message: "is required" }],
    });
  });

  it("validates the headers like the body fields", () => {
    const headers = { "x-user-id": "u 1", "x-user-name": "\u0007" };

    const { code, details } = failure(() => callerOf({ identity: null, headers }));

    expect(code).toBe("validation_failed");
    expect(details?.map(({ path }) => path)).toEqual(["x-user-id", "x-user-name"]);
  });
});

describe("resolveCaller (who sends, from the token and the request)", () => {
  const token = { userId: "alice", name: "Alice A.", admin: false };

  it("takes the token's subject and name over the request's username", () => {
    expect(resolveCaller(token, { username: "someone" })).toEqual({
      userId: "alice",
      username: "Alice A.",
      admin: false,
    });
  });

  it("uses the request's username when the token has no name", () => {
    expect(resolveCaller({ ...token, name: null }, { username: "ally" }).username).toBe("ally");
  });

  it("refuses a userId other than the token's subject with forbidden", () => {
    expect(failure(() => resolveCaller(token, { userId: "bob" })).code).toBe("forbidden");
  });

  it("asks for a username when neither the token nor the request has one", () => {
    expect(failure(() => resolveCaller({ ...token, name: null }, {}))).toMatchObject({
      code: "validation_failed",
      details: [{ path: "username" }],
    });
  });

  it("requires both fields without a token", () => {
    expect(failure(() => resolveCaller(null, { username: "a" })).details).toEqual([
      { path: "userId", message: "is required" },
    ]);
    expect(failure(() => resolveCaller(null, { userId: "a" })).details).toEqual([
      { path: "username", message: "is required" },
    ]);
  });
});

describe("displayName (a token's name claim)", () => {
  it("trims it and cuts it to 50 characters", () => {
    expect(displayName(`  ${"é".repeat(60)} `)).toBe("é".repeat(50));
  });

  it("ignores what cannot be a name", () => {
    expect([displayName(undefined), displayName(42), displayName("   "), displayName("a\u0000b")]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});
