import { httpRoutes, publicHttpRoutes, socketAuthorizer, socketRoutes } from "@chat/functions/routes";
import { expect, it } from "vitest";
import { RETENTION } from "../../../.sst/platform/src/components/aws/logging.ts";
import { Types } from "../plan-queries";
import type { StagePlanContext } from "./context";

/** The HTTP and WebSocket APIs: routes, authorizers, throttles, access logs, CORS and the outputs. */
export const describeApis = (ctx: StagePlanContext) => {
  const { config, expected } = ctx;

  it("serves exactly the route table's HTTP routes, each with its own handler", () => {
    expect(ctx.q.routesOf(ctx.q.api("HTTP"))).toEqual(httpRoutes);
  });

  it("serves exactly the route table's WebSocket routes, each with its own handler", () => {
    expect(ctx.q.routesOf(ctx.q.api("WEBSOCKET"))).toEqual(socketRoutes);
  });

  it(
    config.settings.auth.mode === "jwt"
      ? "checks tokens: a JWT authorizer on every HTTP route but the public ones, a Lambda one on $connect"
      : "requires no token on any route",
    () => {
      const { auth } = config.settings;
      const authorizers = ctx.q.ofType(Types.authorizer);
      const routes = ctx.q.ofType(Types.route);
      const guarded = (apiResource: (typeof authorizers)[number]) =>
        routes
          .filter((route) => route.inputs.apiId === `${apiResource.name}-id` && route.inputs.authorizerId)
          .map((route) => String(route.inputs.routeKey))
          .sort();
      if (auth.mode === "none") {
        expect(authorizers).toEqual([]);
        expect(routes.filter((route) => route.inputs.authorizerId)).toEqual([]);
        return;
      }
      const jwt = authorizers.find((a) => a.inputs.authorizerType === "JWT");
      const lambda = authorizers.find((a) => a.inputs.authorizerType === "REQUEST");
      expect(jwt?.inputs).toMatchObject({
        jwtConfiguration: { issuer: auth.issuer, audiences: auth.audiences },
        identitySources: ["$request.header.Authorization"],
      });
      expect(lambda?.inputs.identitySources).toEqual(["route.request.querystring.token"]);
      expect(ctx.q.functionByArn(lambda?.inputs.authorizerUri).module).toBe(socketAuthorizer);
      expect(guarded(ctx.q.api("HTTP"))).toEqual(
        Object.keys(httpRoutes)
          .filter((route) => !(publicHttpRoutes as readonly string[]).includes(route))
          .sort(),
      );
      expect(guarded(ctx.q.api("WEBSOCKET"))).toEqual(["$connect"]);
    },
  );

  it("throttles each route of both APIs by its own size, and writes their access logs", () => {
    const throttles = { HTTP: config.httpThrottle, WEBSOCKET: config.socketThrottle };
    const settings = ({ rateLimit, burstLimit }: { rateLimit: number; burstLimit: number }) => ({
      throttlingRateLimit: rateLimit,
      throttlingBurstLimit: burstLimit,
    });
    for (const protocol of ["HTTP", "WEBSOCKET"] as const) {
      const apiId = `${ctx.q.api(protocol).name}-id`;
      const [stageResource, ...others] = ctx.q.ofType(Types.stage).filter((s) => s.inputs.apiId === apiId);
      expect(others).toHaveLength(0);
      // Applied to each route on its own: the size of one route, not a stage total.
      expect(stageResource?.inputs.defaultRouteSettings).toEqual(settings(throttles[protocol].perRoute));
      const routeSettings = (stageResource?.inputs.routeSettings ?? []) as ({
        routeKey: string;
      } & object)[];
      expect(routeSettings).toEqual(
        Object.entries(("routes" in throttles[protocol] && throttles[protocol].routes) || {}).map(
          ([routeKey, throttle]) => ({
            routeKey,
            ...settings(throttle as { rateLimit: number; burstLimit: number }),
          }),
        ),
      );
      // Only routes the API has (API Gateway refuses the others).
      const served = Object.keys(protocol === "HTTP" ? httpRoutes : socketRoutes);
      for (const { routeKey } of routeSettings) expect(served, protocol).toContain(routeKey);
      const logSettings = stageResource?.inputs.accessLogSettings as { destinationArn?: string } | undefined;
      expect(logSettings?.destinationArn, protocol).toMatch(/^arn:aws:/);
    }
    // The API's hot paths get more than the rest, and every frame of the stage shares $default's explicit budget.
    const http = config.httpThrottle;
    const sends = http.routes?.["POST /rooms/{roomId}/messages"];
    expect(sends?.rateLimit).toBeGreaterThan(http.perRoute.rateLimit);
    expect(http.routes?.["GET /health"]?.rateLimit ?? http.perRoute.rateLimit).toBeLessThan(
      sends?.rateLimit ?? 0,
    );
    // Every frame of the stage shares $default's budget: at least a few hundred users at their frame limit.
    expect(config.socketThrottle.perRoute.rateLimit).toBeGreaterThanOrEqual(
      config.production ? (300 * config.settings.limits.framesPerMinute) / 60 : 1,
    );
    const accessLogs = ctx.q.ofType(Types.logGroup).filter((group) => group.name.endsWith("AccessLog"));
    expect(accessLogs.map((group) => group.inputs.retentionInDays)).toEqual([
      RETENTION[config.logRetention],
      RETENTION[config.logRetention],
    ]);
  });

  it("creates the HTTP API's stage only after its routes (its route settings name them)", () => {
    for (const protocol of ["HTTP"] as const) {
      const apiId = `${ctx.q.api(protocol).name}-id`;
      const order = ctx.plan.resources
        .filter((r) => (r.type === Types.stage || r.type === Types.route) && r.inputs.apiId === apiId)
        .map((r) => r.type);
      expect(order.at(-1), protocol).toBe(Types.stage);
    }
  });

  it("allows the stage's CORS origins and exactly the route table's methods", () => {
    const cors = ctx.q.api("HTTP").inputs.corsConfiguration as {
      allowOrigins: string[];
      allowMethods: string[];
    };
    expect(cors.allowOrigins).toEqual(expected.corsOrigins ?? config.corsAllowOrigins);
    if (config.production) expect(cors.allowOrigins).not.toContain("*");
    const methods = new Set(
      Object.keys(httpRoutes)
        .filter((route) => route !== "$default")
        .map((route) => route.split(" ")[0]),
    );
    expect([...cors.allowMethods].sort()).toEqual([...methods].sort());
  });

  it("outputs the HTTP API URL as `api` and the WebSocket URL as `ws`", () => {
    expect(ctx.plan.outputs.api).toMatch(/^https:\/\//);
    expect(ctx.plan.outputs.ws).toMatch(/^wss:\/\//);
  });
};
