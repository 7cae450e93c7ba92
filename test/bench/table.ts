// The rows `npm run bench` reports: each a measured value with its unit and,
// where the project sets one, its target and whether this run met it.
// Printed as one table, or with --json as the rows themselves.

/** One benchmark figure. `target` is "<= x" or ">= x" in `unit`, or null for a figure reported without one. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target: string | null;
  readonly ok: boolean | null;
}

/** A row whose value must be at most (`"<="`) or at least (`">="`) `limit`; `limit` null for none. */
export function row(name: string, value: number, unit: string, bound?: { readonly op: "<=" | ">="; readonly limit: number }): BenchRow {
  if (!bound) return { name, value, unit, target: null, ok: null };
  return { name, value, unit, target: `${bound.op} ${bound.limit}`, ok: bound.op === "<=" ? value <= bound.limit : value >= bound.limit };
}

const shown = (v: number) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString("en-US") : Number(v.toPrecision(3)).toString());

/** The rows as an aligned text table: name, value, unit, target, and ok / MISSED. */
export function formatTable(rows: readonly BenchRow[]): string {
  const cells = [["benchmark", "value", "unit", "target", ""], ...rows.map((r) => [r.name, shown(r.value), r.unit, r.target ?? "", r.ok === null ? "" : r.ok ? "ok" : "MISSED"])];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) => c.map((x, i) => (i === 1 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}
