// Result rows: every figure is the median of several runs with its min and max; ratios are computed per run (same
// run, same Kratos, back to back) and then summarized, so that machine noise between runs cancels out.
export type Backend = "sqlite" | "postgres";

export interface Row {
  /** Stable id, e.g. `seed.plain.sqlite.vs-raw`; the quick-mode test checks that every expected id is present. */
  id: string;
  scenario: string;
  backend: Backend | "-";
  measure: string;
  unit: string;
  median: number | null;
  min: number | null;
  max: number | null;
  runs: number;
  /** e.g. `<= 1.2`; `met` says whether the median meets it. */
  goal?: string;
  met?: boolean;
  /** What limits this figure: the server, the network/HTTP round trips, or our own CPU. */
  limit?: string;
  status: "ok" | "todo" | "skipped";
  note?: string;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarize(values: number[]): Summary {
  if (values.length === 0) throw new Error("no values to summarize");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/** Per-run ratios a[i] / b[i]. */
export function ratios(a: number[], b: number[]): number[] {
  return a.map((value, i) => value / b[i]);
}

export interface RowInput {
  id: string;
  scenario: string;
  backend: Backend | "-";
  measure: string;
  unit: string;
  values: number[];
  goal?: { text: string; ok: (median: number) => boolean };
  limit?: string;
  note?: string;
}

export function row(input: RowInput): Row {
  const { values, goal, ...rest } = input;
  const s = summarize(values);
  const out: Row = { ...rest, median: s.median, min: s.min, max: s.max, runs: s.runs, status: "ok" };
  if (goal) {
    out.goal = goal.text;
    out.met = goal.ok(s.median);
  }
  return out;
}

export function pendingRow(input: Omit<RowInput, "values">, status: "todo" | "skipped", note: string): Row {
  const { goal, ...rest } = input;
  return { ...rest, median: null, min: null, max: null, runs: 0, status, note, ...(goal ? { goal: goal.text } : {}) };
}

function format(value: number | null, unit: string): string {
  if (value === null) return "—";
  if (unit === "requests") return String(Math.round(value));
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toFixed(digits);
}

const escape = (text: string) => text.replace(/\|/g, "\\|");

export function markdownTable(rows: Row[]): string {
  const lines = [
    "| scenario | DB | measure | median | min | max | runs | goal | limited by |",
    "|---|---|---|---:|---:|---:|---:|---|---|",
  ];
  for (const r of rows) {
    const unit = r.unit === "x" ? "×" : ` ${r.unit}`;
    const value = (v: number | null) => (v === null ? "—" : `${format(v, r.unit)}${unit}`);
    const goal = r.goal ? `${r.goal}${r.met === undefined ? "" : r.met ? " ✅" : " ❌"}` : "";
    const median = r.status === "ok" ? value(r.median) : `**${r.status.toUpperCase()}**`;
    const limit = [r.limit, r.note].filter(Boolean).join("; ");
    lines.push(`| ${escape(r.scenario)} | ${r.backend} | ${escape(r.measure)} | ${median} | ${value(r.min)} | ${value(r.max)} | ${r.runs} | ${escape(goal)} | ${escape(limit)} |`);
  }
  return lines.join("\n") + "\n";
}
