/** A Lambda event filter pattern: each leaf lists the values a field may have (exact, or `{ prefix }`). */
export type FilterPattern = {
  readonly [key: string]:
    | readonly (string | number | boolean | null | { readonly prefix: string })[]
    | FilterPattern;
};

const matchesValue = (
  expected: string | number | boolean | null | { readonly prefix: string },
  actual: unknown,
) =>
  typeof expected === "object" && expected !== null
    ? typeof actual === "string" && actual.startsWith(expected.prefix)
    : expected === actual;

/**
 * Whether a record passes a filter pattern, for the exact-value and prefix patterns this project uses (Lambda's full
 * syntax also has numeric and exists matchers). Every field of the pattern must match; others are ignored.
 */
export const matchesFilter = (pattern: FilterPattern, value: unknown): boolean =>
  Object.entries(pattern).every(([key, expected]) => {
    const actual =
      typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) return expected.some((item) => matchesValue(item, actual));
    return matchesFilter(expected as FilterPattern, actual);
  });

/** Whether a record passes any of an event source's filters (Lambda ORs them). */
export const matchesAnyFilter = (patterns: readonly FilterPattern[], value: unknown): boolean =>
  patterns.some((pattern) => matchesFilter(pattern, value));
