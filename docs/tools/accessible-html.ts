// What the built pages need for assistive technology that Framework 1.13's
// page template does not give: the page language, a skip link to the main
// content as the first tab stop, a name for the sidebar toggle, a sidebar
// list that holds only list items, and keyboard scrolling for boxes that
// scroll. Applied to every page in dist/ after `observable build`.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The language of every page. */
export const PAGE_LANG = "en";

/** Framework's main content element, the skip link's target. */
const MAIN_ID = "observablehq-main";

/**
 * A box that scrolls (a code listing, a mail block, a wide table) must be
 * reachable from the keyboard to be scrolled without a mouse. While a box in
 * the main content overflows and holds nothing focusable, it is a tab stop
 * (tabindex 0); when it fits again it is not. Checked after the cells
 * change the page and after a resize. Plain browser JavaScript, run as is.
 */
export const SCROLL_FOCUS_SCRIPT = `{
  const main = document.getElementById("${MAIN_ID}");
  const focusable = "a[href], button, input, select, textarea, [contenteditable=true], [tabindex]:not([tabindex='-1'])";
  const scrolls = (el) => {
    const style = getComputedStyle(el);
    return (el.scrollWidth > el.clientWidth + 1 && /auto|scroll/.test(style.overflowX)) || (el.scrollHeight > el.clientHeight + 1 && /auto|scroll/.test(style.overflowY));
  };
  let pending = 0;
  const update = () => {
    pending = 0;
    for (const el of main.querySelectorAll("pre, div, form, figure")) {
      if (el.dataset.scrollFocus === undefined && (el.hasAttribute("tabindex") || el.querySelector(focusable))) continue;
      const on = scrolls(el);
      if (on && el.dataset.scrollFocus === undefined) (el.tabIndex = 0), (el.dataset.scrollFocus = "");
      else if (!on && el.dataset.scrollFocus !== undefined) el.removeAttribute("tabindex"), delete el.dataset.scrollFocus;
    }
  };
  const later = () => (pending ||= setTimeout(update, 150));
  if (main) {
    new MutationObserver(later).observe(main, { subtree: true, childList: true, attributes: true, attributeFilter: ["open", "hidden", "class"] });
    addEventListener("resize", later);
    later();
  }
}`;

/**
 * The skip link moves focus to the main content itself instead of
 * following its #fragment: on the 404 page, whose <base> is the site's
 * root, a fragment link would navigate to the overview.
 */
export const SKIP_LINK_SCRIPT = `document.querySelector(".skip-link")?.addEventListener("click", (event) => {
  const main = document.getElementById("${MAIN_ID}");
  if (!main) return;
  event.preventDefault();
  main.focus();
  main.scrollIntoView();
});`;

/** One rewrite of Framework's page template: what to find and what it becomes. */
const REWRITES: readonly [RegExp, string][] = [
  [/<html>/, `<html lang="${PAGE_LANG}">`],
  // First in the tab order: jump over the sidebar and its search to the text.
  [/<body>/, `<body>\n<a class="skip-link" href="#${MAIN_ID}">Skip to content</a>`],
  // The toggle is a checkbox named only by its title.
  [/<input id="observablehq-sidebar-toggle" type="checkbox" title="([^"]*)">/, `<input id="observablehq-sidebar-toggle" type="checkbox" title="$1" aria-label="$1">`],
  // The close control is a <label> placed inside the first <ol>; an <ol> may hold only <li>.
  [/<ol>\s*(<label id="observablehq-sidebar-close"[^>]*><\/label>)/, "$1\n  <ol>"],
  [/<\/body>/, `<script>${SCROLL_FOCUS_SCRIPT}\n${SKIP_LINK_SCRIPT}</script>\n</body>`],
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
