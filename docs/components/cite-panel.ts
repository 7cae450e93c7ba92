// The Cite panel of a scenario cell: the run as a mail block (72 columns,
// replays with `npx faultline replay`), BibTeX and CSL-JSON, and a permalink
// that opens the same run in the playground.
import { citeBibtex, citeBlock, citeCsl, citePermalink, type RunData, type ScenarioSpec } from "../faultline/page.js";
import { el } from "./dom.js";

/** The playground's URL, for permalinks (notebooks and the playground sit side by side). */
function playgroundUrl(): string {
  const u = new URL("playground", document.baseURI);
  return `${u.origin}${u.pathname}`;
}

/** The panel's contents for `run` of `spec` (what the worker ran, overrides applied). */
export function citePanel(spec: ScenarioSpec, run: RunData): Node[] {
  if (!run.citable) {
    const why = "This example runs without recording the trace, so it has no trace hash to cite.";
    return [el("p", {}, `${why} Cite it from a shell: `, el("code", {}, "npx faultline cite <scenario.json>"))];
  }
  const opts = { playground: playgroundUrl() };
  const now = new Date();
  const formats: [string, string, string][] = [
    ["mail", "mail (72 columns)", citeBlock(spec, run, opts)],
    ["bibtex", "BibTeX", citeBibtex(spec, run, now, opts)],
    ["csl-json", "CSL-JSON", JSON.stringify([citeCsl(spec, run, now, opts)], null, 2)],
  ];
  const link = el("a", { href: citePermalink(spec, run, opts.playground) ?? opts.playground, class: "cell-permalink" }, "open this run in the playground");
  return [
    el("p", {}, link, " · replay anywhere with ", el("code", {}, "npx faultline replay <saved mail>")),
    ...formats.map(([key, label, text]) => {
      const copy = el("button", { type: "button" }, "Copy");
      copy.onclick = () => void navigator.clipboard?.writeText(text).then(() => (copy.textContent = "Copied"));
      return el("div", { class: "cite-format", "data-format": key }, el("h4", {}, label, " ", copy), el("pre", {}, text));
    }),
  ];
}
