import { type HandlerModule, socketRoutes } from "@chat/functions/routes";
import { stageConfig } from "./config";
import { handlerFunction } from "./handler";
import { table } from "./storage";

const config = stageConfig($app.stage);

/**
 * The WebSocket API. Its name is the `Resource.Realtime` the handlers read `managementEndpoint` from; its routes are
 * the route table's `$connect`, `$disconnect` and `$default`.
 */
export const realtime = new sst.aws.ApiGatewayWebSocket("Realtime", {
  accessLog: { retention: config.logRetention },
  transform: {
    stage: {
      defaultRouteSettings: {
        throttlingRateLimit: config.socketThrottle.rateLimit,
        throttlingBurstLimit: config.socketThrottle.burstLimit,
      },
    },
  },
});

for (const [route, module] of Object.entries(socketRoutes) as [string, HandlerModule][]) {
  realtime.route(route, handlerFunction(config, module, "socket", { table, realtime }));
}
