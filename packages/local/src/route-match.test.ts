import { describe, expect, it } from "vitest";
import { matchRoute } from "./route-match";

const routes = ["GET /rooms", "GET /rooms/{roomId}", "GET /rooms/general", "POST /files/{path+}", "$default"];

describe("matchRoute", () => {
  it.each([
    ["GET", "/rooms", "GET /rooms", {}],
    ["GET", "/rooms/lobby", "GET /rooms/{roomId}", { roomId: "lobby" }],
    ["GET", "/rooms/general", "GET /rooms/general", {}],
    ["GET", "/rooms/a%20b", "GET /rooms/{roomId}", { roomId: "a b" }],
    ["POST", "/files/a/b/c", "POST /files/{path+}", { path: "a/b/c" }],
    ["DELETE", "/rooms", "$default", {}],
    ["GET", "/rooms/", "$default", {}],
    ["GET", "/rooms/lobby/extra", "$default", {}],
  ])("%s %s -> %s", (method, path, routeKey, pathParameters) => {
    expect(matchRoute(routes, method, path)).toEqual({ routeKey, pathParameters });
  });

  it("finds nothing without a $default route", () => {
    expect(matchRoute(["GET /rooms"], "GET", "/nope")).toBeNull();
  });
});
