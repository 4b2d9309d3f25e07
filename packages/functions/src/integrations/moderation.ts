import { AppError } from "@chat/core/error";
import { MessageText, type ModerationRequest, ModerationVerdict } from "@chat/types";
import * as v from "valibot";
import type { Logger } from "../observability";
import type { ModerationSettings } from "./settings";

/** What to store: the text as sent, or the hook's replacement. A reject throws 422 `blocked`. */
export type Moderated = { text: string; replaced: boolean };

const blocked = (reason: string | undefined) =>
  new AppError(
    "blocked",
    "The message was refused by moderation",
    reason ? [{ path: "text", message: reason }] : undefined,
  );

/** Asks the hook over HTTP: a POST of the JSON request, the JSON verdict back, both within the timeout. */
const askUrl = async (url: string, request: ModerationRequest, signal: AbortSignal): Promise<unknown> => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
    signal,
    redirect: "error",
  });
  if (!response.ok) throw new Error(`moderation hook answered ${response.status}`);
  return response.json();
};

let lambda: import("@aws-sdk/client-lambda").LambdaClient | undefined;

/** Asks a Lambda function (on AWS): a synchronous Invoke with the request as payload. */
const askFunction = async (
  name: string,
  request: ModerationRequest,
  signal: AbortSignal,
): Promise<unknown> => {
  const { LambdaClient, InvokeCommand } = await import("@aws-sdk/client-lambda");
  lambda ??= new LambdaClient({});
  const result = await lambda.send(
    new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode(JSON.stringify(request)) }),
    { abortSignal: signal },
  );
  if (result.FunctionError) throw new Error(`moderation function failed: ${result.FunctionError}`);
  return JSON.parse(new TextDecoder().decode(result.Payload));
};

/**
 * Runs the stage's moderation hook on a message about to be stored: `allow` keeps the text, `replace` gives the
 * text to store (validated like a message's), `reject` throws 422 `blocked` with the reason. A timeout, an error,
 * a non-2xx or an answer that is not a verdict is decided by `onError`.
 */
export const moderate = async (
  hook: ModerationSettings,
  request: ModerationRequest,
  log: Logger,
): Promise<Moderated> => {
  const started = performance.now();
  let verdict: ModerationVerdict;
  try {
    const signal = AbortSignal.timeout(hook.timeoutMs);
    const answer =
      hook.url !== undefined
        ? await askUrl(hook.url, request, signal)
        : await askFunction(hook.functionName ?? "", request, signal);
    verdict = v.parse(ModerationVerdict, answer);
    if (verdict.action === "replace") verdict = { ...verdict, text: v.parse(MessageText, verdict.text) };
  } catch (error) {
    log.warn(
      { err: String(error), onError: hook.onError, durationMs: Math.round(performance.now() - started) },
      "moderation hook failed",
    );
    if (hook.onError === "reject") throw blocked("moderation is unavailable");
    return { text: request.text, replaced: false };
  }
  log.info(
    { action: verdict.action, durationMs: Math.round(performance.now() - started) },
    "moderation verdict",
  );
  if (verdict.action === "reject") throw blocked(verdict.reason);
  if (verdict.action === "replace") return { text: verdict.text, replaced: true };
  return { text: request.text, replaced: false };
};
