import { AppError } from "@chat/core/error";
import { http, type Operation } from "../edge/http";

/** The `$default` route: anything the route table does not name. Not an operation of the document. */
export const operation = { responses: {}, errors: ["not_found"] } as const satisfies Operation;

export const handler = http(operation, async ({ method, path }) => {
  throw new AppError("not_found", `No route for ${method} ${path}`);
});
