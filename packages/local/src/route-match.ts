/** A matched route: its key in the route table and the path parameters it bound. */
export interface RouteMatch {
  routeKey: string;
  pathParameters: Record<string, string>;
}

/**
 * Picks the route for a request the way API Gateway HTTP APIs do: the method must match (or be `ANY`), `{name}`
 * binds one segment and `{name+}` the rest, literal segments beat parameters, and `$default` catches the rest.
 */
export const matchRoute = (routeKeys: readonly string[], method: string, path: string): RouteMatch | null => {
  const segments = path.split("/").slice(1);
  let best: (RouteMatch & { literals: number }) | null = null;
  for (const routeKey of routeKeys) {
    const [routeMethod, template] = routeKey.split(" ");
    if (template === undefined || (routeMethod !== method && routeMethod !== "ANY")) continue;
    const match = matchTemplate(template.split("/").slice(1), segments);
    if (match && (!best || match.literals > best.literals)) best = { routeKey, ...match };
  }
  if (best) return { routeKey: best.routeKey, pathParameters: best.pathParameters };
  return routeKeys.includes("$default") ? { routeKey: "$default", pathParameters: {} } : null;
};

const matchTemplate = (template: string[], segments: string[]) => {
  const pathParameters: Record<string, string> = {};
  let literals = 0;
  for (const [i, part] of template.entries()) {
    const segment = segments[i];
    const param = /^\{(\w+)(\+?)\}$/.exec(part);
    if (param?.[2]) {
      if (segment === undefined || segment === "") return null;
      pathParameters[param[1] as string] = decode(segments.slice(i).join("/"));
      return { pathParameters, literals };
    }
    if (segment === undefined) return null;
    if (param) {
      if (segment === "") return null;
      pathParameters[param[1] as string] = decode(segment);
    } else if (part === segment) {
      literals++;
    } else {
      return null;
    }
  }
  return segments.length === template.length ? { pathParameters, literals } : null;
};

const decode = (value: string): string => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};
