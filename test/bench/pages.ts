// JavaScript each built notebook page loads, gzip-compressed as a server
// would send it: every module script and modulepreload of the page's HTML.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** Per top-level page of dist/ (none when the site is not built): its path and the gzip bytes of the JS it loads. */
export function jsPerPage(dist = "dist"): { page: string; bytes: number }[] {
  if (!existsSync(join(dist, "index.html"))) return [];
  return readdirSync(dist)
    .filter((f) => f.endsWith(".html") && f !== "404.html")
    .map((f) => {
      const html = readFileSync(join(dist, f), "utf8");
      const srcs = new Set([...html.matchAll(/<(?:script type="module" src|link rel="modulepreload" href)="([^"]+)"/g)].map((m) => m[1]!));
      const bytes = [...srcs].filter((s) => s.startsWith("./") || s.startsWith("/")).reduce((n, s) => n + gzipSync(readFileSync(join(dist, s.replace(/^\.?\//, "").split("?")[0]!))).length, 0);
      return { page: `/${f.replace(/(index)?\.html$/, "")}`, bytes };
    });
}
