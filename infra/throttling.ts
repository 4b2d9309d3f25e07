import type { RouteThrottles, Throttle } from "./stage-config";

const settings = (throttle: Throttle) => ({
  throttlingRateLimit: throttle.rateLimit,
  throttlingBurstLimit: throttle.burstLimit,
});

/**
 * Per-route throttling of an API's stage: `perRoute` as the stage's `defaultRouteSettings` (which API Gateway
 * applies to each route on its own) and the routes that are sized apart as its `routeSettings`. API Gateway refuses
 * route settings for a route it does not have yet, and SST creates the stage before the routes: the stage waits for
 * the routes handed to `routesAdded`.
 */
export const throttledStage = <Route extends string>(throttles: RouteThrottles<Route>) => {
  let routesAdded: (routes: $util.Input<$util.Resource>[]) => void = () => undefined;
  const routes = new Promise<$util.Input<$util.Resource>[]>((resolve) => {
    routesAdded = resolve;
  });
  const transform = (args: aws.apigatewayv2.StageArgs, opts: $util.CustomResourceOptions): undefined => {
    args.defaultRouteSettings = settings(throttles.perRoute);
    const sizedApart = Object.entries(throttles.routes ?? {}) as [Route, Throttle][];
    if (sizedApart.length === 0) return undefined;
    args.routeSettings = sizedApart.map(([routeKey, throttle]) => ({
      routeKey,
      ...settings(throttle),
    }));
    // SST's HTTP API stage depends on nothing else (the WebSocket one cannot wait for its routes: see stage-config).
    if (opts.dependsOn !== undefined)
      throw new Error("The API stage already has dependencies: merge the routes in");
    opts.dependsOn = routes;
    return undefined;
  };
  return { transform, routesAdded };
};
