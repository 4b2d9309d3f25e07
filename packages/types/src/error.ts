import * as v from "valibot";

/** The error codes of the contract, with the HTTP status each one answers with. */
export const ErrorStatus = {
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
} as const satisfies Record<string, number>;

export const ErrorCode = v.picklist(Object.keys(ErrorStatus) as (keyof typeof ErrorStatus)[]);
export type ErrorCode = v.InferOutput<typeof ErrorCode>;

/** One validation problem: the dotted path of the field (empty for the whole input) and what is wrong. */
export const ErrorIssue = v.object({ path: v.string(), message: v.string() });
export type ErrorIssue = v.InferOutput<typeof ErrorIssue>;

/** The body of every error response and the payload of every WebSocket error frame. */
export const ErrorResponse = v.object({
  code: ErrorCode,
  message: v.string(),
  details: v.optional(v.array(ErrorIssue)),
});
export type ErrorResponse = v.InferOutput<typeof ErrorResponse>;

/** Turns valibot issues into the `details` of a `validation_failed` error. */
export const toErrorIssues = (issues: readonly v.BaseIssue<unknown>[]): ErrorIssue[] =>
  issues.map((issue) => ({ path: v.getDotPath(issue) ?? "", message: issue.message }));
