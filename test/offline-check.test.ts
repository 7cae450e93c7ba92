// The build's offline check must catch what would make the site fetch from
// another host (DESIGN.md: Framework without a CDN).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildLogProblems, externalReferences } from "../docs/tools/offline-check.js";

function site(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "faultline-dist-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe("offline check of dist/", () => {
  it("finds CDN scripts, web fonts, remote imports and remote CSS", () => {
    const dir = site({
      "index.html": '<script type="module" src="https://cdn.jsdelivr.net/npm/d3/+esm"></script><link rel="stylesheet" href="//example.org/x.css">',
      "_observablehq/a.css": '@import url("https://fonts.googleapis.com/css2?family=Source+Serif+4");',
      "_import/b.js": 'import {x} from "https://example.org/mod.js"; const y = import("https://example.org/late.js");',
    });
    const found = externalReferences(dir);
    assert.ok(found.some((f) => f.startsWith("index.html: cdn.jsdelivr.net")), found.join("\n"));
    assert.ok(found.some((f) => f === 'index.html: href="//example.org/x.css'), found.join("\n"));
    assert.ok(found.some((f) => f.startsWith("_observablehq/a.css: fonts.googleapis.com")));
    assert.ok(found.some((f) => f === '_import/b.js: from "https://example.org/mod.js'));
    assert.ok(found.some((f) => f === '_import/b.js: import("https://example.org/late.js'));
  });

  it("leaves identifiers alone: SVG namespaces and JSON Schema ids are not fetched", () => {
    const dir = site({
      "index.html": '<svg xmlns="http://www.w3.org/2000/svg"></svg><a href="/api">api</a>',
      "_node/ajv.js": 'const META = "http://json-schema.org/draft-07/schema#";',
    });
    assert.deepEqual(externalReferences(dir), []);
  });

  it("flags a build log that fetched from a CDN, even if the build exited 0", () => {
    assert.deepEqual(buildLogProblems("render /index\nTypeError: fetch failed\n  [cause]: Error: getaddrinfo ENOTFOUND cdn.jsdelivr.net\nok"), [
      "TypeError: fetch failed",
      "  [cause]: Error: getaddrinfo ENOTFOUND cdn.jsdelivr.net",
    ]);
    assert.deepEqual(buildLogProblems("copy a → b\nrender /index → dist/index.html"), []);
  });
});
