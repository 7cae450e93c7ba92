// Every notebook names its source thread and kernel commits, every data/
// scenario it refers to exists and validates, and its internal links
// resolve (docs/tools/notebook-check.ts, on remark's syntax tree).
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import config from "../observablehq.config.js";
import { checkNotebook } from "../docs/tools/notebook-check.js";

const threads = existsSync("../shared/threads") ? "../shared/threads" : null;
const paths = { docs: "docs", data: "data", threads };
const notebooks = config.pages.flatMap((p) => ("pages" in p && p.name === "Notebooks" ? (p.pages ?? []).map((q) => q.path) : []));

describe("notebooks", () => {
  it("the site lists at least the NOWAIT and prefault notebooks", () => {
    assert.deepEqual(notebooks, ["/nowait", "/prefault"]);
  });
  for (const path of notebooks) {
    it(`${path} names its thread and commits; its data/ scenarios and links resolve`, () => {
      const file = `docs${path}.md`;
      assert.deepEqual(checkNotebook(file, readFileSync(file, "utf8"), paths), []);
    });
  }

  it("the checker catches a notebook without sources, a missing scenario and a broken link", () => {
    const bad = "# x\n\nSee data/no-such-scenario.json and [the other page](./missing).\n";
    const problems = checkNotebook("bad.md", bad, paths);
    assert.ok(problems.some((p) => /no "\*\*Thread:\*\*"/.test(p)));
    assert.ok(problems.some((p) => /no "\*\*Commits:\*\*"/.test(p)));
    assert.ok(problems.some((p) => /data\/no-such-scenario\.json but no scenario matches/.test(p)));
    assert.ok(problems.some((p) => /link to \.\/missing does not resolve/.test(p)));
  });
});
