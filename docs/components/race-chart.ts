// A race diagram as a chart: one column per task, one row per step in the
// order the schedule ran them, each cell coloured by what it is (a lock
// taken or released, a wait, an IPI or IRQ section, a call and its
// return). The same rows as the text diagram `formatDiagram` draws for a mail.
import * as Plot from "./plot.js";
import type { DiagramRow } from "../faultline/page.js";
import { chartImage } from "./chart-image.js";

const KINDS = ["lock", "wait", "IPI / IRQ", "call", "BUG"] as const;
const COLORS = ["#4daf4a", "#e41a1c", "#984ea3", "#8c8c8c", "#ff7f00"];
const ROW = 22;

/** What a row is, for its colour. */
function kindOf(text: string): (typeof KINDS)[number] {
  if (text.startsWith("BUG")) return "BUG";
  if (/ waits$|^ *-> got /.test(text)) return "wait";
  if (/IPI|irq|smp_call_function|flush_tlb/i.test(text)) return "IPI / IRQ";
  if (/^(down_|up_|mmap_(read|write)_|spin_|mutex_|folio_lock|folio_unlock|vma_start|vma_end|lock_|unlock_)/.test(text)) return "lock";
  return "call";
}

/** Narrowest column worth drawing (px): a wider chart scrolls in its box. */
const MIN_COLUMN = 170;

/** The race diagram's rows as a Plot chart `width` px wide, or wider where its columns need it (see the file comment). */
export function raceChart(rows: readonly DiagramRow[], { width: available }: { width: number }): SVGSVGElement | HTMLElement {
  const tasks = [...new Set(rows.map((r) => r.task))];
  const width = Math.max(available, MIN_COLUMN * tasks.length + 30);
  const data = rows.map((r, i) => ({ ...r, i, kind: kindOf(r.text) }));
  // Characters a cell has room for: its band is about 80% of the column (Plot's padding and the cell inset), 11 px monospace is about 6.6 px a character, and Plot counts a monospace character as 0.63 em of lineWidth.
  const chars = Math.max(8, Math.floor((0.78 * width) / Math.max(1, tasks.length) / 6.6) - 1);
  const chart = Plot.plot({
    width,
    height: 60 + ROW * rows.length,
    marginLeft: 30,
    marginTop: 24,
    ariaLabel: "race diagram",
    ariaDescription: `${rows.length} steps of ${tasks.join(", ")}, in the order the schedule ran them`,
    x: { domain: tasks, axis: "top", label: null, tickSize: 0 },
    y: { domain: data.map((d) => d.i), label: null, tickFormat: (i: number) => (i % 5 === 0 ? String(i + 1) : ""), tickSize: 0 },
    color: { type: "categorical", legend: "swatches", domain: KINDS, range: COLORS },
    marks: [
      Plot.cell(data, { x: "task", y: "i", fill: "kind", fillOpacity: 0.22, inset: 1, rx: 3 }),
      Plot.text(data, { x: "task", y: "i", text: "text", fontFamily: "var(--monospace, monospace)", fontSize: 11, monospace: true, lineWidth: chars * 0.63, textOverflow: "ellipsis-end", title: (d) => `${d.task}, step ${d.i + 1}: ${d.text}` }),
    ],
  });
  return chartImage(chart, "race diagram");
}
