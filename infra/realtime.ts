import { Resources } from "@chat/core/resources";
import { type HandlerModule, socketAuthorizer, socketRoutes } from "@chat/functions/routes";
import { handlerFunction } from "./handler";
import { settings } from "./settings";
import { stageConfig } from "./stage-config";
import { table } from "./storage";
import { throttledStage } from "./throttling";

const config = stageConfig($app.stage);

// `$connect` is the rate of handshakes; `$default` is every frame of the stage together (infra/stage-config.ts).
const stage = throttledStage(config.socketThrottle);

/**
 * The WebSocket API. Its name is the `Resource.Realtime` the handlers read `managementEndpoint` from; its routes are
 * the route table's `$connect`, `$disconnect` and `$default`.
 */
export const realtime = new sst.aws.ApiGatewayWebSocket(Resources.Realtime, {
  accessLog: { retention: config.logRetention },
  transform: { stage: stage.transform },
});

// With token auth, a Lambda authorizer checks the handshake's `?token=` (browsers cannot set headers on a
// WebSocket) and hands the token's subject to the handlers; it guards `$connect`, which is the whole connection.
const authorizer =
  config.settings.auth.mode === "jwt"
    ? realtime.addAuthorizer("Token", {
        lambda: {
          function: handlerFunction(config, socketAuthorizer, "socket", { table, settings }),
          identitySources: ["route.request.querystring.token"],
        },
      })
    : null;

stage.routesAdded(
  (Object.entries(socketRoutes) as [string, HandlerModule][]).map(([route, module]) => {
    const guarded = authorizer && route === "$connect" ? { auth: { lambda: authorizer.id } } : {};
    return realtime.route(
      route,
      handlerFunction(config, module, "socket", { table, settings, realtime }),
      guarded,
    ).nodes.route;
  }),
);
