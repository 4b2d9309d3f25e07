import { ErrorResponse } from "@chat/types";
import type * as v from "valibot";
import type { CallOptions, ChatClientOptions } from "./client-options";
import type { Credentials } from "./credentials";
import { ChatApiError, ChatNetworkError, codeForStatus } from "./errors";
import {
  backoffDelay,
  defaultRetry,
  isRetryableStatus,
  parseRetryAfter,
  type RetryEvent,
  type RetryOptions,
  sleep,
} from "./retry";
import { readContract } from "./validate";

const toApiError = (status: number, text: string, requestId: string | undefined): ChatApiError => {
  const parsed = readContract(ErrorResponse, text, "An error");
  const error: ErrorResponse = parsed.ok
    ? parsed.value
    : { code: codeForStatus(status), message: `HTTP ${status} without an ErrorResponse body` };
  return new ChatApiError(status, error, requestId);
};

/**
 * How a `ChatClient` calls the API: one request as its caller (bearer token, or the identity headers), retried on
 * network failures, 429 and 503 (and the gateway's 502/504) with backoff or `retry-after`, once more with a fresh
 * token after a 401, each attempt under a timeout; the answer validated against its schema.
 */
export class Transport {
  /** The randomness behind retry jitter, shared with the client's sockets. */
  readonly random: () => number;
  readonly #options: ChatClientOptions;
  readonly #credentials: Credentials;
  readonly #retry: Required<RetryOptions>;
  readonly #fetch: typeof fetch;

  constructor(options: ChatClientOptions, credentials: Credentials) {
    this.#options = options;
    this.#credentials = credentials;
    this.#retry = { ...defaultRetry, ...options.retry };
    // Bound: a bare `fetch` stored on an object and called as a method throws "Illegal invocation" in browsers.
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.random = options.random ?? Math.random;
  }

  /** Calls the API; `schema` null: an answer without a body (204). */
  async request<S extends v.GenericSchema>(
    method: string,
    path: string,
    schema: S,
    options: CallOptions,
    body?: unknown,
  ): Promise<v.InferOutput<S>>;
  async request(
    method: string,
    path: string,
    schema: null,
    options: CallOptions,
    body?: unknown,
  ): Promise<void>;
  async request<S extends v.GenericSchema>(
    method: string,
    path: string,
    schema: S | null,
    { signal }: CallOptions,
    body?: unknown,
  ): Promise<v.InferOutput<S> | undefined> {
    const url = `${this.#options.httpUrl.replace(/\/+$/, "")}${path}`;
    const { attempts, maxDelayMs } = this.#retry;
    const timeoutMs = this.#options.timeoutMs ?? 15_000;
    let token = await this.#credentials.bearer();
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      let answer: { status: number; headers: Headers; text: string };
      try {
        const timeout = AbortSignal.timeout(timeoutMs);
        const response = await this.#fetch(url, {
          method,
          headers: {
            accept: "application/json",
            ...(body !== undefined && { "content-type": "application/json" }),
            ...(token !== undefined && { authorization: `Bearer ${token}` }),
            ...(token === undefined && this.#credentials.callerHeaders()),
          },
          ...(body !== undefined && { body: JSON.stringify(body) }),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        // Read inside the try: a connection lost mid-body is a network failure too.
        answer = { status: response.status, headers: response.headers, text: await response.text() };
      } catch (cause) {
        if (signal?.aborted) throw signal.reason;
        if (attempt >= attempts) {
          throw new ChatNetworkError(`${method} ${path}: no answer after ${attempt} attempts`, { cause });
        }
        await this.#wait({ method, path, attempt, reason: "network" }, undefined, signal);
        continue;
      }
      if (answer.status >= 200 && answer.status < 300) {
        if (schema === null) return undefined;
        const parsed = readContract(schema, answer.text, `${method} ${path}: the answer`);
        if (!parsed.ok) throw parsed.error;
        return parsed.value;
      }
      const error = toApiError(answer.status, answer.text, answer.headers.get("x-request-id") ?? undefined);
      // The token expired or was revoked: a provider may have a fresh one. Once per call: a new token refused too
      // will not be accepted by asking again.
      if (answer.status === 401 && this.#credentials.refreshable && !refreshed) {
        refreshed = true;
        token = await this.#credentials.bearer(true);
        continue;
      }
      if (!isRetryableStatus(answer.status) || attempt >= attempts) throw error;
      const retryAfterMs = parseRetryAfter(answer.headers.get("retry-after"), Date.now());
      // Waiting less than asked would only be refused again; waiting longer than the cap is not what the caller wants.
      if (retryAfterMs !== undefined && retryAfterMs > maxDelayMs) throw error;
      await this.#wait({ method, path, attempt, reason: answer.status }, retryAfterMs, signal);
    }
  }

  async #wait(
    event: Omit<RetryEvent, "delayMs">,
    retryAfterMs: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const delayMs = retryAfterMs ?? backoffDelay(event.attempt, this.#retry, this.random);
    this.#options.onRetry?.({ ...event, delayMs });
    await sleep(delayMs, signal);
  }
}
