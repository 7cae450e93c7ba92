// What the built pages need for assistive technology that Framework 1.13's
// page template does not give: the page language, a skip link to the main
// content as the first tab stop, a name for the sidebar toggle, and a
// sidebar list that holds only list items. Applied to every page in dist/
// after `observable build`.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The language of every page. */
export const PAGE_LANG = "en";

/** Framework's main content element, the skip link's target. */
const MAIN_ID = "observablehq-main";

/** One rewrite of Framework's page template: what to find and what it becomes. */
const REWRITES: readonly [RegExp, string][] = [
  [/<html>/, `<html lang="${PAGE_LANG}">`],
  // First in the tab order: jump over the sidebar and its search to the text.
  [/<body>/, `<body>\n<a class="skip-link" href="#${MAIN_ID}">Skip to content</a>`],
  // The toggle is a checkbox named only by its title.
  [/<input id="observablehq-sidebar-toggle" type="checkbox" title="([^"]*)">/, `<input id="observablehq-sidebar-toggle" type="checkbox" title="$1" aria-label="$1">`],
  // The close control is a <label> placed inside the first <ol>; an <ol> may hold only <li>.
  [/<ol>\s*(<label id="observablehq-sidebar-close"[^>]*><\/label>)/, "$1\n  <ol>"],
  // Focusable by script and by the skip link, not by Tab.
  [new RegExp(`<main id="${MAIN_ID}"`), `<main id="${MAIN_ID}" tabindex="-1"`],
];

/** `html`, a page Framework rendered, with the rewrites applied; a rewrite that finds nothing is left out (pages without a sidebar). */
export function accessibleHtml(html: string): string {
  return REWRITES.reduce((page, [find, replace]) => page.replace(find, replace), html);
}

/** Apply {@link accessibleHtml} to every .html file under `dir`. */
export function makePagesAccessible(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) makePagesAccessible(path);
    else if (name.endsWith(".html")) writeFileSync(path, accessibleHtml(readFileSync(path, "utf8")));
  }
}
