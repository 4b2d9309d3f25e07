import { AppError } from "@chat/core/error";
import { Limits, toErrorIssues } from "@chat/types";
import * as v from "valibot";

/**
 * Parses a JSON body or frame, refusing anything over the size limit before parsing it. API Gateway hands over
 * binary bodies base64-encoded.
 */
export const parseJson = (body: string | undefined, isBase64Encoded = false): unknown => {
  const text = isBase64Encoded && body ? Buffer.from(body, "base64").toString("utf8") : (body ?? "");
  if (Buffer.byteLength(text, "utf8") > Limits.maxBodyBytes) {
    throw new AppError("payload_too_large", `Body must be at most ${Limits.maxBodyBytes} bytes`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("invalid_json", "Body must be valid JSON");
  }
};

/**
 * Query parameters from the raw query string. API Gateway joins a repeated parameter with commas; reading the raw
 * string keeps it as an array, so the schema can refuse it.
 */
export const parseQuery = (rawQueryString: string | undefined): Record<string, string | string[]> => {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString ?? "")) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
};

/** Validates untrusted input with a @chat/types schema; a failure is `validation_failed` listing every issue. */
export const validate = <S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
): v.InferOutput<S> => {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  throw new AppError("validation_failed", `Invalid ${what}`, toErrorIssues(result.issues));
};
