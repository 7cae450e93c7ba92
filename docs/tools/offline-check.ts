// Offline checks for the built site: the Framework build log and dist/ must
// show no CDN fetch, no RollupError and no URL the browser would load from
// another host.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative } from "node:path";

/** Hosts that mean a CDN or web-font dependency wherever they appear. */
const CDN_HOSTS = /cdn\.jsdelivr\.net|unpkg\.com|esm\.sh|fonts\.googleapis\.com|fonts\.gstatic\.com|cdnjs\.cloudflare\.com|api\.observablehq\.com/;

/** Build-log lines that mean the build reached for the network or failed while exiting 0. */
const LOG_PROBLEMS = /fetch failed|RollupError|jsdelivr|ENOTFOUND|EAI_AGAIN|Unexpected error|✘ \[ERROR\]/;

/** What loads a URL, by file type: attributes in HTML, url()/@import in CSS, imports in JS. */
const LOADS: Record<string, RegExp> = {
  ".html": /\b(?:src|href|srcset|action)\s*=\s*["']?\s*(?:https?:)?\/\/[^"' >]+/gi,
  ".css": /(?:url\(\s*["']?|@import\s+["'])(?:https?:)?\/\/[^"')\s]+/gi,
  ".js": /(?:\bfrom\s*["']|\bimport\s*\(\s*["']|\bimport\s*["']|\bfetch\s*\(\s*["']|new\s+Worker\s*\(\s*["'])(?:https?:)?\/\/[^"']+/g,
};

/** Lines of a build log that show a network fetch or a swallowed error. */
export function buildLogProblems(log: string): string[] {
  return log.split("\n").filter((line) => LOG_PROBLEMS.test(line));
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Every reference in `dir` to a CDN host or to a URL a browser would load from another origin, as `file: match`. */
export function externalReferences(dir: string): string[] {
  const found: string[] = [];
  for (const file of files(dir)) {
    const ext = extname(file);
    if (![".html", ".css", ".js", ".json", ".md"].includes(ext)) continue;
    const text = readFileSync(file, "utf8");
    const where = relative(dir, file);
    const cdn = CDN_HOSTS.exec(text);
    if (cdn) found.push(`${where}: ${cdn[0]}`);
    for (const m of text.matchAll(LOADS[ext] ?? /$^/g)) found.push(`${where}: ${m[0]}`);
  }
  return found;
}
