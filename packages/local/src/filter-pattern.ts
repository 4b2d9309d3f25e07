/** A Lambda event filter pattern: each leaf lists the values a field may have. */
export type FilterPattern = {
  readonly [key: string]: readonly (string | number | boolean | null)[] | FilterPattern;
};

/**
 * Whether a record passes a filter pattern, for the exact-value patterns this project uses (Lambda's full syntax
 * also has prefix, numeric and exists matchers). Every field of the pattern must match; others are ignored.
 */
export const matchesFilter = (pattern: FilterPattern, value: unknown): boolean =>
  Object.entries(pattern).every(([key, expected]) => {
    const actual =
      typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) return expected.includes(actual as string);
    return matchesFilter(expected as FilterPattern, actual);
  });
