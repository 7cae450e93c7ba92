// A Plot chart as one image for assistive technology. Plot names each mark's
// <g> ("line", "rule", "area"), but a <g> without a role may not carry a
// name, and a reader of a chart wants what it shows, not its marks. The
// chart's <svg> becomes role="img" named by `label`; its parts, which an
// image does not expose, lose their names.

/** `chart` (a Plot svg, or the figure Plot wraps it in with a legend), with its plot svg made one named image. */
export function chartImage<T extends Element>(chart: T, label: string): T {
  const svgs = chart.matches("svg") ? [chart] : [...chart.querySelectorAll("svg")].filter((s) => s.querySelector(":scope > g[aria-label]"));
  for (const svg of svgs) {
    svg.setAttribute("role", "img");
    if (!svg.hasAttribute("aria-label")) svg.setAttribute("aria-label", label);
    for (const g of svg.querySelectorAll("g[aria-label]")) g.removeAttribute("aria-label");
  }
  return chart;
}
