import { SendMessageRequest, toErrorIssues } from "@chat/types";
import * as v from "valibot";
import { ChatApiError, ChatProtocolError } from "./errors";
import { newClientMessageId } from "./ids";
import type { SendInput } from "./rest-api";

/**
 * `input` as `schema` parses it, or a 400 `ChatApiError` (`validation_failed`, with the contract's issues) thrown
 * before anything is sent: the same answer the API would give. `path` names the input when it is a bare value.
 */
export const parseOrThrow = <S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  message: string,
  path?: string,
): v.InferOutput<S> => {
  const parsed = v.safeParse(schema, input);
  if (parsed.success) return parsed.output;
  const issues = toErrorIssues(parsed.issues);
  throw new ChatApiError(400, {
    code: "validation_failed",
    message,
    details: path === undefined ? issues : issues.map((issue) => ({ ...issue, path })),
  });
};

/** The body a send posts, validated: what is shown as pending is exactly what will be stored. */
export const sendRequest = (
  { userId, username }: { userId?: string | undefined; username?: string | undefined },
  { text, clientMessageId, parentId }: SendInput,
): SendMessageRequest =>
  parseOrThrow(
    SendMessageRequest,
    {
      // Left out when unknown: a stage that requires tokens takes them from the token.
      ...(userId !== undefined && { userId }),
      ...(username !== undefined && { username }),
      text,
      clientMessageId: clientMessageId ?? newClientMessageId(),
      ...(parentId !== undefined && { parentId }),
    },
    "Invalid body",
  );

/**
 * Something the API sent (`text`: an answer's body, a frame), read as `schema` says: its value, or the
 * `ChatProtocolError` saying that `what` is not JSON or does not match the contract.
 */
export const readContract = <S extends v.GenericSchema>(
  schema: S,
  text: string,
  what: string,
): { ok: true; value: v.InferOutput<S> } | { ok: false; error: ChatProtocolError } => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: new ChatProtocolError(`${what} is not JSON`) };
  }
  const result = v.safeParse(schema, json);
  if (result.success) return { ok: true, value: result.output };
  const issues = toErrorIssues(result.issues);
  return { ok: false, error: new ChatProtocolError(`${what} does not match the contract`, issues) };
};
