import { AppError } from "@chat/core/error";
import type { Caller } from "@chat/core/room";
import { callerOf } from "./identity";

/** Who reads a public room without naming themselves (`auth: none`, no `x-user-id`): nobody in particular. */
const anonymous: Caller = { userId: "", username: "", admin: false };

/**
 * Runs a read for the caller, or for nobody in particular when the request names no caller (`auth: none` without
 * `x-user-id`, as v1 clients read history): public rooms answer; anything an anonymous reader is refused becomes
 * 400 `validation_failed`, since naming the caller is what is missing.
 */
export const asReader = async <T>(
  request: Parameters<typeof callerOf>[0],
  read: (caller: Caller) => Promise<T>,
): Promise<T> => {
  if (request.identity || request.headers["x-user-id"] !== undefined) return read(callerOf(request));
  try {
    return await read(anonymous);
  } catch (error) {
    if (error instanceof AppError && error.code === "forbidden") callerOf(request);
    throw error;
  }
};
