import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ErrorCode, ErrorResponse, ErrorStatus, toErrorIssues } from "./error";
import { GetMessagesQuery, GetMessagesResponse, SendMessageRequest } from "./message";

/** The table of DESIGN.md's "Errors" section: code -> HTTP status. */
const designTable = {
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  blocked: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

describe("ErrorStatus", () => {
  it("maps exactly the codes of the contract to their HTTP statuses", () => {
    expect(ErrorStatus).toStrictEqual(designTable);
  });

  it("is the list of codes an ErrorCode may take", () => {
    expect([...ErrorCode.options].sort()).toEqual(Object.keys(designTable).sort());
  });
});

describe("ErrorResponse", () => {
  it.each(Object.entries(designTable))("accepts the %s code (HTTP %i)", (code) => {
    const input = { code, message: "something went wrong" };

    const result = v.safeParse(ErrorResponse, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it.each([
    { name: "an unknown code", code: "bad_request" },
    { name: "an HTTP status instead of a code", code: 400 },
    { name: "a code in the wrong case", code: "NOT_FOUND" },
  ])("rejects $name", ({ code }) => {
    const result = v.safeParse(ErrorResponse, { code, message: "nope" });

    expect(result.success).toBe(false);
    expect(result.issues?.map((issue) => v.getDotPath(issue))).toEqual(["code"]);
  });

  it("carries the validation issues in details", () => {
    const input = {
      code: "validation_failed",
      message: "the request is invalid",
      details: [{ path: "text", message: "must be 1 to 500 characters" }],
    };

    const result = v.safeParse(ErrorResponse, input);

    expect(result).toMatchObject({ success: true, output: input });
  });

  it("requires a message", () => {
    const result = v.safeParse(ErrorResponse, { code: "internal" });

    expect(result.issues?.map((issue) => v.getDotPath(issue))).toEqual(["message"]);
  });

  it("requires a path and a message in every detail", () => {
    const input = {
      code: "validation_failed",
      message: "invalid",
      details: [{ message: "must be a string" }],
    };

    const result = v.safeParse(ErrorResponse, input);

    expect(result.issues?.map((issue) => v.getDotPath(issue))).toEqual(["details.0.path"]);
  });
});

describe("toErrorIssues", () => {
  it("names the field that failed by its path", () => {
    const result = v.safeParse(SendMessageRequest, { userId: "u1", username: "alice", text: "   " });

    const issues = result.success ? [] : toErrorIssues(result.issues);

    expect(issues).toEqual([{ path: "text", message: "must be 1 to 500 characters" }]);
  });

  it("joins nested paths with dots and array indexes", () => {
    const input = {
      roomId: "general",
      messages: [
        {
          id: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
          roomId: "general",
          userId: "u1",
          username: "alice",
          text: "\u0000",
          createdAt: "2026-11-25T20:02:42.123Z",
          editedAt: null,
          deletedAt: null,
          reactions: [],
          clientMessageId: null,
          parentId: null,
          replyCount: 0,
        },
      ],
      hasMore: false,
    };
    const result = v.safeParse(GetMessagesResponse, input);

    const issues = result.success ? [] : toErrorIssues(result.issues);

    expect(issues).toEqual([
      { path: "messages.0.text", message: "must not contain control characters other than \\n and \\t" },
    ]);
  });

  it("uses an empty path for a problem with the whole input", () => {
    const result = v.safeParse(SendMessageRequest, "hello");

    const issues = result.success ? [] : toErrorIssues(result.issues);

    expect(issues).toEqual([{ path: "", message: expect.any(String) }]);
  });

  it("keeps one issue per problem, in order", () => {
    const result = v.safeParse(GetMessagesQuery, { limit: "0", before: "nope" });

    const issues = result.success ? [] : toErrorIssues(result.issues);

    expect(issues).toEqual([
      { path: "limit", message: "must be an integer from 1 to 100" },
      { path: "before", message: "must be a message id" },
    ]);
  });

  it("gives details that a validation_failed ErrorResponse accepts", () => {
    const failed = v.safeParse(SendMessageRequest, { userId: "", username: "", text: "" });
    const body = {
      code: "validation_failed",
      message: "the request is invalid",
      details: failed.success ? [] : toErrorIssues(failed.issues),
    };

    const result = v.safeParse(ErrorResponse, body);

    expect(result.success).toBe(true);
    expect(body.details.map(({ path }) => path)).toEqual(["userId", "username", "text"]);
  });
});
