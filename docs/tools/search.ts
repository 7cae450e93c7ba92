// Site search: Framework's client (1.13) splits a query at punctuation and
// matches any of its words, each as a prefix, so `hva_to_pfn` is
// "hva OR to* OR pfn" and finds nearly every page (all have a word starting
// with "to"). The config cannot change the client's options; the build sets
// them in the bundled client so that a page must match every word.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The search call as Framework's minified client makes it. */
const SEARCH_CALL = /\.search\((\w+),\{boost:\{title:4,keywords:4\},fuzzy:\.15,prefix:!0\}\)/g;

/** Make the built search client match every word of a query; throws if the client is not the one this was written for. */
export function searchEveryWord(dist: string): void {
  const dir = join(dist, "_observablehq");
  const clients = readdirSync(dir).filter((name) => /^search\.[0-9a-f]+\.js$/.test(name));
  if (clients.length !== 1) throw new Error(`expected one search client in ${dir}, found ${clients.length}`);
  const file = join(dir, clients[0]!);
  const code = readFileSync(file, "utf8");
  const calls = code.match(SEARCH_CALL)?.length ?? 0;
  if (calls !== 1) throw new Error(`${file}: Framework's search call changed (${calls} matches); update docs/tools/search.ts`);
  writeFileSync(file, code.replace(SEARCH_CALL, '.search($1,{boost:{title:4,keywords:4},fuzzy:.15,prefix:!0,combineWith:"AND"})'));
}
