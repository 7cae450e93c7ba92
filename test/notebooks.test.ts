// Every notebook names its source thread and kernel commits, every data/
// scenario it refers to exists and validates, and its internal links
// resolve (docs/tools/notebook-check.ts, on remark's syntax tree).
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import config from "../observablehq.config.js";
import { checkNotebook } from "../docs/tools/notebook-check.js";
import { exportSection, headingSlug, sectionHeadings } from "../docs/tools/export-section.js";
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";

const threads = existsSync("../shared/threads") ? "../shared/threads" : null;
const paths = { docs: "docs", data: "data", threads };
const notebooks = config.pages.flatMap((p) => ("pages" in p && p.name === "Notebooks" ? (p.pages ?? []).map((q) => q.path) : []));

describe("notebooks", () => {
  it("the site lists the NOWAIT, prefault, pins, vfio and post-copy notebooks", () => {
    assert.deepEqual(notebooks, ["/nowait", "/prefault", "/pins", "/vfio", "/postcopy"]);
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

describe("notebook sections as plain text (docs/tools/export-section.ts)", () => {
  const dataFiles = readdirSync("data");
  for (const path of notebooks) {
    it(`${path}: every section exports to lines of at most 72 columns, with no code, markup or unexpanded scenario globs`, () => {
      const md = readFileSync(`docs${path}.md`, "utf8");
      const headings = sectionHeadings(md);
      assert.ok(headings.length >= 4, headings.join());
      for (const h of headings) {
        const text = exportSection(md, h, { pageUrl: `https://faultline.example${path}`, dataFiles });
        assert.ok(text.startsWith(`${h}\n${"=".repeat(Math.min(h.length, 72))}\n`), text.slice(0, 100));
        for (const line of text.split("\n")) assert.ok(line.length <= 72 || /^(\[\d+\] )?https:\/\/|^  npx faultline run \S+$/.test(line), `${h}: ${line.length} columns: ${line}`);
        assert.doesNotMatch(text, /\$\{|<div|```|import \{/, h);
        for (const m of text.matchAll(/npx faultline run (\S+)/g)) assert.ok(dataFiles.includes(m[1]!.replace(/^data\//, "")), `${h}: ${m[1]} is not a scenario in data/`);
      }
    });
  }

  it("renders links as numbered references, lists with hanging indents, shell snippets indented, and live cells as a pointer", () => {
    const md = [
      "---", "title: T", "---", "", "# T", "", "## First part", "",
      "See [the thread](https://lore.kernel.org/x) and [the playground](./playground).",
      "", "- a list item that is long enough to need wrapping, because it goes on and on about mmap_lock and more", "- two", "",
      "```sh", "npx faultline run data/kvm-async-pf.json", "```", "", "```js", "display(1)", "```", "",
      "Hash ${run.hash} here.", "", "## Second", "", "Not exported.",
    ].join("\n");
    const text = exportSection(md, "first-part", { pageUrl: "https://f.example/t" });
    assert.match(text, /^First part\n==========\n/);
    assert.match(text, /See the thread \[1\] and the playground \[2\]\./);
    assert.match(text, /\n\[1\] https:\/\/lore\.kernel\.org\/x\n\[2\] https:\/\/f\.example\/playground\n/);
    assert.match(text, /\n- a list item that is long enough to need wrapping, because it goes on\n  and on about mmap_lock and more\n- two\n/);
    assert.match(text, /\n    npx faultline run data\/kvm-async-pf\.json\n/);
    assert.match(text, /Hash \[live value\] here\./);
    assert.match(text, /live cell is not in\s+this\s+text .*\nhttps:\/\/f\.example\/t#first-part/s);
    assert.doesNotMatch(text, /Not exported|display\(1\)/);
    assert.throws(() => exportSection(md, "Third"), /no section "Third"; the sections are:\n  First part\n  Second/);
  });

  it("section anchors are the ones the built site gives the headings", { skip: !existsSync("dist/nowait.html") && "dist/ not built" }, () => {
    for (const path of notebooks) {
      const ids = [...readFileSync(`dist${path}.html`, "utf8").matchAll(/<h2 id="([^"]+)"/g)].map((m) => m[1]);
      assert.deepEqual(sectionHeadings(readFileSync(`docs${path}.md`, "utf8")).map(headingSlug), ids, path);
    }
  });

  it("npm run export: prints a section, and names the sections when the one asked for does not exist", () => {
    const ok = spawnSync(process.execPath, ["--import", "tsx", "docs/tools/export.ts", "docs/prefault.md", "Two calls or three"], { encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /npx faultline run data\/async-pf-prefault-gup-calls-v5\.1\.json/);
    const bad = spawnSync(process.execPath, ["--import", "tsx", "docs/tools/export.ts", "docs/prefault.md", "Nope"], { encoding: "utf8" });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /no section "Nope"; the sections are:\n  The question/);
    const url = spawnSync(process.execPath, ["--import", "tsx", "docs/tools/export.ts", "docs/prefault.md", "Two calls or three", "--url", "ftp://x"], { encoding: "utf8" });
    assert.equal(url.status, 2);
    assert.match(url.stderr, /--url: expected an http\(s\) URL/);
  });
});
