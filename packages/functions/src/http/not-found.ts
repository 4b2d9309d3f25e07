import { AppError } from "@chat/core/error";
import { http } from "../edge/http";

/** The `$default` route: anything the route table does not name. */
export const handler = http({}, async ({ method, path }) => {
  throw new AppError("not_found", `No route for ${method} ${path}`);
});
