import { type ErrorCode, type ErrorIssue, type ErrorResponse, ErrorStatus } from "@chat/types";

/** The base of every error the client throws or emits. */
export class ChatError extends Error {
  override name = "ChatError";
}

/**
 * The API answered with an error: `status` is the HTTP status (or, for a WebSocket error frame, the status its code
 * stands for) and `error` the contract's `ErrorResponse`. Also thrown, with status 400, when a request fails the
 * same schema locally, before anything is sent.
 */
export class ChatApiError extends ChatError {
  override name = "ChatApiError";
  /** HTTP status. */
  readonly status: number;
  /** The `ErrorResponse` the API answered with. */
  readonly error: ErrorResponse;
  /** The `x-request-id` of the response, to find its log line. */
  readonly requestId: string | undefined;
  /** The room it concerns, when known: an error frame's `roomId`, or the room a refused handshake named. */
  readonly roomId: string | undefined;

  constructor(status: number, error: ErrorResponse, requestId?: string, roomId?: string) {
    super(`${error.code}: ${error.message}`);
    this.status = status;
    this.error = error;
    this.requestId = requestId;
    this.roomId = roomId;
  }

  /** The error code of the contract, e.g. `validation_failed`. */
  get code(): ErrorCode {
    return this.error.code;
  }
}

/** The API could not be reached (or timed out) on every attempt; `cause` holds the last failure. */
export class ChatNetworkError extends ChatError {
  override name = "ChatNetworkError";
}

/** The API answered with something the contract does not allow; `issues` says what did not match. */
export class ChatProtocolError extends ChatError {
  override name = "ChatProtocolError";
  readonly issues: ErrorIssue[];

  constructor(message: string, issues: ErrorIssue[] = []) {
    super(message);
    this.issues = issues;
  }
}

const codeByStatus = new Map<number, ErrorCode>(
  Object.entries(ErrorStatus).map(([code, status]) => [status, code as ErrorCode]),
);

/**
 * The contract's code for a status, for answers whose body is not an `ErrorResponse` (API Gateway's own errors,
 * a proxy in between). 502 and 504 are the gateway's way of saying the function is unavailable.
 */
export const codeForStatus = (status: number): ErrorCode =>
  codeByStatus.get(status) ?? (status === 502 || status === 504 ? "unavailable" : "internal");
