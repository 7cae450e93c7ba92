// "Section as plain text" under each section heading of a notebook: the
// prose exported at build time (docs/tools/export-section.ts) plus the live
// results the section shows right now (card titles, short outputs), for a mail.
import { wrapText } from "../faultline/page.js";

/** The page URL the build exports with; replaced by the page's real URL in the browser. */
export const EXPORT_PAGE_ORIGIN = "https://faultline.invalid";

/** Text of the section's live outputs as they stand: card headings and short text outputs (no tables, charts or inputs). */
function liveResults(h2: HTMLHeadingElement): string[] {
  const out: string[] = [];
  for (let el = h2.nextElementSibling; el && el.tagName !== "H2"; el = el.nextElementSibling) {
    const blocks = el.matches(".observablehq") ? [el] : [...el.querySelectorAll(".observablehq")];
    for (const block of blocks) {
      const cards = [...block.querySelectorAll(".card")];
      const texts = cards.length > 0 ? cards.flatMap((c) => [...c.querySelectorAll("h2, h3")].map((h) => h.textContent ?? "")) : block.querySelector("form, table, svg, .scenario-cell") ? [] : [block.textContent ?? ""];
      for (const t of texts.map((s) => s.replace(/\s+/g, " ").trim()).filter((s) => s.length > 0 && s.length <= 600)) out.push(...wrapText(t, 70, "  ").map((l, i) => (i === 0 ? `- ${l}` : l)));
    }
  }
  return out;
}

/** Add the export control under every h2 of the page that has an exported text (keyed by heading text). */
export function sectionExport(texts: Readonly<Record<string, string>>): void {
  const base = new URL(".", document.baseURI).href.replace(/\/$/, "");
  for (const h2 of document.querySelectorAll<HTMLHeadingElement>("#observablehq-main h2")) {
    const exported = texts[h2.textContent?.trim() ?? ""];
    if (exported === undefined || h2.nextElementSibling?.classList.contains("section-export")) continue;
    const details = document.createElement("details");
    details.className = "section-export";
    const summary = document.createElement("summary");
    summary.textContent = "section as plain text (for a mail)";
    const copy = document.createElement("button");
    copy.type = "button";
    copy.textContent = "Copy";
    const pre = document.createElement("pre");
    const render = () => {
      const text = exported.replaceAll(EXPORT_PAGE_ORIGIN, base);
      const live = liveResults(h2);
      const cut = text.lastIndexOf("\n-- \n");
      pre.textContent = live.length > 0 ? `${text.slice(0, cut).trimEnd()}\n\nResults as shown on the page:\n${live.join("\n")}\n${text.slice(cut)}` : text;
    };
    details.addEventListener("toggle", () => details.open && render());
    copy.onclick = () => {
      render();
      void navigator.clipboard?.writeText(pre.textContent ?? "").then(() => (copy.textContent = "Copied"));
    };
    details.append(summary, copy, pre);
    h2.after(details);
  }
}
