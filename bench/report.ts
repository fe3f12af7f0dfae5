// Result rows: every figure is the median of several runs with its min and max; ratios are computed per run (same
// run, same Kratos, back to back) and then summarized, so that machine noise between runs cancels out.
export type Backend = "sqlite" | "postgres";

export interface Row {
  /**
   * Stable id, e.g. `v1.3.1/seed.plain.sqlite.ours-vs-raw` (the Kratos server first; server-independent rows have
   * none); the quick-mode test checks that every expected id is present.
   */
  id: string;
  /** The Kratos server the figure was measured on (`v1.3.1`, `v26.2.0`, `master`), `-` when none was involved. */
  server: string;
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
  /** Without the server: `row` prefixes it (`<server>/<id>`) unless the server is `-`. */
  id: string;
  server: string;
  scenario: string;
  backend: Backend | "-";
  measure: string;
  unit: string;
  values: number[];
  goal?: { text: string; ok: (median: number) => boolean };
  limit?: string;
  note?: string;
}

/** `<server>/<id>`, or `id` alone for a row no server was involved in. */
export function rowId(server: string, id: string): string {
  return server === "-" ? id : `${server}/${id}`;
}

export function row(input: RowInput): Row {
  const { values, goal, ...rest } = input;
  const s = summarize(values);
  const out: Row = {
    ...rest,
    id: rowId(rest.server, rest.id),
    median: s.median,
    min: s.min,
    max: s.max,
    runs: s.runs,
    status: "ok",
  };
  if (goal) {
    out.goal = goal.text;
    out.met = goal.ok(s.median);
  }
  return out;
}

export function pendingRow(input: Omit<RowInput, "values">, status: "todo" | "skipped", note: string): Row {
  const { goal, ...rest } = input;
  return {
    ...rest,
    id: rowId(rest.server, rest.id),
    median: null,
    min: null,
    max: null,
    runs: 0,
    status,
    note,
    ...(goal ? { goal: goal.text } : {}),
  };
}

function format(value: number | null, unit: string): string {
  if (value === null) return "—";
  if (unit === "requests") return String(Math.round(value));
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toFixed(digits);
}

const escape = (text: string) => text.replace(/\|/g, "\\|");

function table(rows: Row[]): string {
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
    lines.push(
      `| ${escape(r.scenario)} | ${r.backend} | ${escape(r.measure)} | ${median} | ${value(r.min)} | ${value(r.max)} | ${r.runs} | ${escape(goal)} | ${escape(limit)} |`,
    );
  }
  return lines.join("\n") + "\n";
}

/** The ratio rows (unit ×) side by side, one column per server: `median [min–max]`. */
function ratiosByServer(rows: Row[], servers: string[]): string {
  const ratioRows = rows.filter((r) => r.unit === "x" && r.server !== "-");
  const keys = [...new Set(ratioRows.map((r) => r.id.slice(r.server.length + 1)))];
  const lines = [
    `| scenario | DB | measure | ${servers.join(" | ")} | goal |`,
    `|---|---|---|${servers.map(() => "---:|").join("")}---|`,
  ];
  for (const key of keys) {
    const cells = servers.map((server) => ratioRows.find((r) => r.server === server && r.id === rowId(server, key)));
    const first = cells.find((c): c is Row => c !== undefined) as Row;
    const cell = (r: Row | undefined) => {
      if (!r) return "";
      if (r.status !== "ok" || r.median === null) return `**${r.status.toUpperCase()}**`;
      const met = r.met === undefined ? "" : r.met ? " ✅" : " ❌";
      return r.runs > 1
        ? `${format(r.median, "x")}× [${format(r.min, "x")}–${format(r.max, "x")}]${met}`
        : `${format(r.median, "x")}×${met}`;
    };
    lines.push(
      `| ${escape(first.scenario)} | ${first.backend} | ${escape(first.measure)} | ${cells.map(cell).join(" | ")} | ${escape(first.goal ?? "")} |`,
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * The report: with more than one server, first the ratios side by side (one column per server), then one table per
 * server (`### Kratos <server>`), then the rows no server was involved in.
 */
export function markdownTable(rows: Row[], versions: Record<string, string> = {}): string {
  const servers = [...new Set(rows.map((r) => r.server).filter((s) => s !== "-"))];
  const none = rows.filter((r) => r.server === "-");
  const title = (server: string) =>
    `### Kratos ${server}${versions[server] && versions[server] !== server ? ` (${versions[server]})` : ""}\n\n`;
  const parts: string[] = [];
  if (servers.length > 1)
    parts.push(`### Ratios by server (median [min–max] of per-run ratios)\n\n${ratiosByServer(rows, servers)}`);
  for (const server of servers) parts.push(title(server) + table(rows.filter((r) => r.server === server)));
  if (none.length > 0) parts.push(`### Without a server\n\n${table(none)}`);
  return parts.join("\n");
}
