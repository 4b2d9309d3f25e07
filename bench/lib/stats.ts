/** The q-quantile (0..1) by the nearest-rank method; NaN for no values. */
export const quantile = (values: readonly number[], q: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
};

export interface Summary {
  median: number;
  p99: number;
  n: number;
}

export const summarize = (values: readonly number[]): Summary => ({
  median: quantile(values, 0.5),
  p99: quantile(values, 0.99),
  n: values.length,
});

/** Runs both sides once per round, alternating which goes first, so drift in the machine's load hits both alike. */
export const interleave = async (
  rounds: number,
  sides: { baseline: (round: number) => Promise<void>; ours: (round: number) => Promise<void> },
  onRound?: (round: number) => void,
): Promise<void> => {
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      await sides.baseline(round);
      await sides.ours(round);
    } else {
      await sides.ours(round);
      await sides.baseline(round);
    }
    onRound?.(round + 1);
  }
};

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
