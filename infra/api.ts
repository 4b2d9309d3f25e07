import { type HandlerModule, httpRoutes } from "@chat/functions/routes";
import { stageConfig } from "./config";
import { handlerFunction } from "./handler";
import { table } from "./storage";

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

/** The HTTP API: one route per entry of the route table, each its own function linked to the table. */
export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: {
    allowOrigins: [...config.corsAllowOrigins],
    allowMethods: methods,
    allowHeaders: ["content-type"],
    // Browser clients read these: the request id to report problems, retry-after on 429.
    exposeHeaders: ["x-request-id", "retry-after"],
    maxAge: "1 day",
  },
  accessLog: { retention: config.logRetention },
  transform: {
    stage: {
      defaultRouteSettings: {
        throttlingRateLimit: config.httpThrottle.rateLimit,
        throttlingBurstLimit: config.httpThrottle.burstLimit,
      },
    },
  },
});

for (const [route, module] of Object.entries(httpRoutes) as [string, HandlerModule][]) {
  api.route(route, handlerFunction(config, module, "http", { table }));
}
