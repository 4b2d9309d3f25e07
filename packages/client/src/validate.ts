import { SendMessageRequest, toErrorIssues } from "@chat/types";
import * as v from "valibot";
import { ChatApiError } from "./errors";
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
