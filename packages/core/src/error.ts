import type { ErrorCode, ErrorIssue } from "@chat/types";

/**
 * The one error core throws. The edge turns it into an HTTP status or a WebSocket error frame; its message is
 * shown to the user, so it never carries internals (those go to `cause`, which only the log sees).
 */
export class AppError extends Error {
  override readonly name = "AppError";
  /** Seconds after which a retry may succeed (`retry-after`), for `rate_limited` and `unavailable`. */
  readonly retryAfter: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorIssue[],
    options?: ErrorOptions & { retryAfter?: number },
  ) {
    super(message, options);
    this.retryAfter = options?.retryAfter ?? (code === "unavailable" ? 1 : undefined);
  }
}

// Errors DynamoDB answers for a request we built wrongly: retrying cannot help, so they are bugs.
const bugNames = new Set([
  "ValidationException",
  "SerializationException",
  "ConditionalCheckFailedException",
]);

const causeChain = (error: unknown): unknown[] => {
  const chain: unknown[] = [];
  for (let e = error; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e);
  return chain;
};

/**
 * Maps a failure of the storage layer to an `AppError`: anything that retrying may fix (throttling, 5xx,
 * timeouts, no connection) is `unavailable`; a request DynamoDB rejects as malformed is `internal`.
 * ElectroDB wraps AWS errors and keeps the original as `cause`, so the whole chain is inspected.
 */
export const toStorageError = (error: unknown): AppError => {
  if (error instanceof AppError) return error;
  const isBug = causeChain(error).some((e) => e instanceof Error && bugNames.has(e.name));
  return isBug
    ? new AppError("internal", "Internal error", undefined, { cause: error })
    : new AppError("unavailable", "Storage is unavailable, please retry", undefined, { cause: error });
};

/** Runs a storage call, mapping its failures with `toStorageError`. */
export const storage = async <T>(call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw toStorageError(error);
  }
};

/** Whether a failure is DynamoDB refusing a write's condition (ElectroDB keeps the AWS error as `cause`). */
export const isConditionalCheckFailure = (error: unknown): boolean =>
  causeChain(error).some((e) => e instanceof Error && e.name === "ConditionalCheckFailedException");

/** Runs a conditional write: true when it was written, false when DynamoDB refused its condition. */
export const conditionally = (write: Promise<unknown>): Promise<boolean> =>
  write.then(
    () => true,
    (error: unknown) => (isConditionalCheckFailure(error) ? false : Promise.reject(error)),
  );
