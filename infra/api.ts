import { type HandlerModule, httpRoutes, publicHttpRoutes } from "@chat/functions/routes";
import { handlerFunction } from "./handler";
import { realtime } from "./realtime";
import { settings } from "./settings";
import { stageConfig } from "./stage-config";
import { table } from "./storage";
import { throttledStage } from "./throttling";

const config = stageConfig($app.stage);

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD";

// Browsers may call exactly the methods the route table serves.
const methods = [
  ...new Set(
    Object.keys(httpRoutes)
      .filter((route) => route !== "$default")
      .map((route) => route.split(" ")[0] as Method),
  ),
];

// Throttled route by route (infra/stage-config.ts): sends and history get more than room admin, health far less.
const stage = throttledStage(config.httpThrottle);

/** The HTTP API: one route per entry of the route table, each its own function linked to the table. */
export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: {
    allowOrigins: [...config.corsAllowOrigins],
    allowMethods: methods,
    // `x-user-id` / `x-user-name` name the caller of a body-less route on a stage without tokens.
    allowHeaders: ["authorization", "content-type", "x-user-id", "x-user-name"],
    // Browser clients read these: the request id to report problems, retry-after on 429.
    exposeHeaders: ["x-request-id", "retry-after"],
    maxAge: "1 day",
  },
  accessLog: { retention: config.logRetention },
  transform: { stage: stage.transform },
});

// With token auth, API Gateway checks every token before a protected route's function runs (the local stack
// emulates this same authorizer); the handlers then read the caller from its claims.
const { auth } = config.settings;
const authorizer =
  auth.mode === "jwt"
    ? api.addAuthorizer({ name: "Jwt", jwt: { issuer: auth.issuer, audiences: [...auth.audiences] } })
    : null;
const isPublic = (route: string) => (publicHttpRoutes as readonly string[]).includes(route);

stage.routesAdded(
  (Object.entries(httpRoutes) as [string, HandlerModule][]).map(([route, module]) => {
    const protectedRoute =
      authorizer && !isPublic(route) ? { auth: { jwt: { authorizer: authorizer.id } } } : {};
    return api.route(
      route,
      handlerFunction(config, module, "http", { table, settings, realtime }),
      protectedRoute,
    ).nodes.route;
  }),
);
