import { AppError } from "@chat/core/error";
import { type ErrorResponse, ErrorStatus } from "@chat/types";
import type { Logger } from "../observability";

export interface MappedError {
  status: number;
  body: ErrorResponse;
  /** Seconds, for the `retry-after` header. */
  retryAfter?: number | undefined;
}

/**
 * The one place an error becomes what the user sees. `AppError`s keep their code and message; anything else is
 * a bug: logged with its stack (the log line carries the request id) and answered as a bare `internal`.
 */
export const mapError = (error: unknown, log: Logger): MappedError => {
  if (error instanceof AppError) {
    const status = ErrorStatus[error.code];
    // Storage trouble is expected and retried: one compact line each, not a stack trace per request.
    if (error.code === "unavailable") log.warn({ code: error.code, cause: rootCause(error) }, error.message);
    else if (status >= 500) log.error({ err: error.cause ?? error, code: error.code }, error.message);
    const body: ErrorResponse = { code: error.code, message: error.message };
    if (error.details) body.details = error.details;
    return { status, body, retryAfter: error.retryAfter };
  }
  log.error({ err: error }, "unhandled error");
  return { status: 500, body: { code: "internal", message: "Internal error" } };
};

/** The innermost cause's name and message (ElectroDB and the SDK wrap the network error that says what happened). */
const rootCause = (error: Error): string => {
  let root: unknown = error;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  return root instanceof Error ? `${root.name}: ${root.message}` : String(root);
};
