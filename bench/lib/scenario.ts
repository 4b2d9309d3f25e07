import type { Progress } from "./progress";

/** What every scenario is given: the running local stack, and whether this is the small smoke run. */
export interface BenchContext {
  smoke: boolean;
  httpUrl: string;
  wsUrl: string;
  dynamoEndpoint: string;
  /** The stack's table (the handlers' `Resource.Table`). */
  tableName: string;
  /** The fan-out baseline: a frame sent straight down every open socket of the stack; resolves to how many. */
  sendToAll(data: string): Promise<number>;
  progress(label: string): Progress;
}

/** One line of the results table. */
export interface Row {
  scenario: string;
  ours: string;
  baseline: string;
  /** How ours compares with the baseline, as the target states it. */
  ratio: string;
  target: string;
  /** null: reported, no target. */
  met: boolean | null;
}

export interface ScenarioResult {
  rows: Row[];
  /** The raw numbers, for results.json. */
  data: Record<string, unknown>;
  /** How it was measured, and what the numbers mean: printed under the table. */
  notes: string[];
}

export type Scenario = (context: BenchContext) => Promise<ScenarioResult>;

export const ms = (value: number): string => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
export const times = (value: number): string => `${value < 10 ? value.toFixed(2) : value.toFixed(0)}x`;
