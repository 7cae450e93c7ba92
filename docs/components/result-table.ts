// A result table: Framework's Inputs.table on screen (sortable, loading rows
// as it scrolls) and, for print, a plain table of every row. Inputs.table
// shows about a dozen rows in a scrolling box, which a printed page would cut.
import * as Inputs from "@observablehq/inputs";
import { el } from "./dom.js";

type Row = Record<string, unknown>;

/** Options of {@link resultTable}: those of Inputs.table that the printed table follows too. */
export interface ResultTableOptions {
  /** Columns in order (default: the first row's keys). */
  columns?: string[];
  /** Column headers (default: the column name). */
  header?: Record<string, string>;
  /** Cell text per column (default: numbers with thousands separators, the rest as strings). */
  format?: Record<string, (value: never, i: number, data: readonly Row[]) => string>;
  /** Column widths in px. */
  width?: Record<string, number>;
  /** Rows shown before scrolling (screen only). */
  rows?: number;
  /** Width of the scrolling box in px (screen only). */
  maxWidth?: number;
}

const cellText = (value: unknown): string => (value == null ? "" : typeof value === "number" ? value.toLocaleString("en-US") : String(value));

/** Text longer than this wraps in its cell; shorter text (a version, a time, a flag) stays on one line. */
const WRAP_AFTER = 24;

/** The cell text of `column` in `row`, as the options format it. */
function textOf(options: ResultTableOptions, column: string, row: Row, i: number, data: readonly Row[]): string {
  const format = options.format?.[column];
  return format ? format(row[column] as never, i, data) : cellText(row[column]);
}

/** A cell's content: long text in a span that may wrap; the cell keeps short text on one line. */
const cellContent = (text: string): Node | string => (text.length > WRAP_AFTER ? el("span", { class: "cell-wrap" }, text) : text);

/** The printed table: every row of `data`, built when the page is printed. */
function printTable(data: readonly Row[], columns: readonly string[], options: ResultTableOptions): HTMLTableElement {
  const head = el("thead", {}, el("tr", {}, ...columns.map((c) => el("th", {}, options.header?.[c] ?? c))));
  const body = data.map((row, i) =>
    el("tr", {}, ...columns.map((c) => el("td", {}, cellContent(textOf(options, c, row, i, data))))),
  );
  return el("table", { class: "print-table" }, head, el("tbody", {}, ...body));
}

/** How to build each result table's printed copy; a table gone from the page is forgotten with it. */
const printCopies = new WeakMap<Element, () => void>();
const printing = matchMedia("print");
/** Build the printed copy of every result table on the page (once each), on the first print or print preview. */
function buildPrintCopies(): void {
  for (const box of document.querySelectorAll(".result-table")) printCopies.get(box)?.();
}
addEventListener("beforeprint", buildPrintCopies);
printing.addEventListener("change", () => printing.matches && buildPrintCopies());

/** `data` as an Inputs.table, with every row in print. */
export function resultTable(data: readonly Row[], options: ResultTableOptions = {}): HTMLDivElement {
  const columns = options.columns ?? Object.keys(data[0] ?? {});
  const format = Object.fromEntries(columns.map((c) => [c, (_: unknown, i: number) => cellContent(textOf(options, c, data[i]!, i, data))]));
  // No row checkboxes: no result table acts on a selection, and each would be a tab stop without a name.
  const screen = Inputs.table(data, { ...options, columns, format, layout: "auto", select: false });
  const root = el("div", { class: "result-table" }, screen) as HTMLDivElement;
  // Built once, when the page is printed, so a long trace costs nothing until then.
  printCopies.set(root, () => {
    if (!root.querySelector(".print-table")) root.append(printTable(data, columns, options));
  });
  return root;
}
