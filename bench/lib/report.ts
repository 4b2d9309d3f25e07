import type { Row } from "./scenario";

export interface Machine {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  /** 1-minute load average: when the run started and ended, and the mean and highest of samples every 10 s. */
  loadAverage: { start: number; end: number; mean: number; max: number };
  commit: string;
  smoke: boolean;
}

const header = ["scenario", "ours", "baseline in the same run", "ours vs baseline", "target", "met"];
const cells = (row: Row) => [
  row.scenario,
  row.ours,
  row.baseline,
  row.ratio,
  row.target,
  row.met === null ? "report" : row.met ? "yes" : "NO",
];

export const machineLine = (machine: Machine): string =>
  `Node ${machine.node}, ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.date.slice(0, 10)}, ` +
  `load average ${machine.loadAverage.start.toFixed(2)} at the start, ${machine.loadAverage.mean.toFixed(2)} on ` +
  `average (highest ${machine.loadAverage.max.toFixed(2)}), ${machine.loadAverage.end.toFixed(2)} at the end` +
  `${machine.smoke ? ", SMOKE SIZE (not a measurement)" : ""}, commit ${machine.commit}`;

/** The table for a terminal: aligned columns. */
export const textTable = (rows: Row[]): string => {
  const table = [header, ...rows.map(cells)];
  const widths = header.map((_, column) => Math.max(...table.map((line) => (line[column] ?? "").length)));
  const line = (values: string[]) =>
    values.map((value, column) => value.padEnd(widths[column] ?? 0)).join("  ");
  return [
    line(header),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...rows.map((r) => line(cells(r))),
  ]
    .map((text) => text.trimEnd())
    .join("\n");
};

/** The table for the README's Performance section, padded as the repository's formatter (Biome) pads tables. */
export const markdownTable = (rows: Row[]): string => {
  const table = [header, ...rows.map(cells)].map((line) => line.map((value) => value.replace(/\|/g, "\\|")));
  const widths = header.map((_, column) =>
    Math.max(3, ...table.map((line) => [...(line[column] ?? "")].length)),
  );
  const pad = (value: string, column: number) =>
    value + " ".repeat((widths[column] ?? 0) - [...value].length);
  const line = (values: string[]) => `| ${values.map(pad).join(" | ")} |`;
  const [head = [], ...body] = table;
  return [line(head), line(widths.map((width) => "-".repeat(width))), ...body.map(line)].join("\n");
};
