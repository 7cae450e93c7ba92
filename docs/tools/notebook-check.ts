// Checks a notebook's markdown (remark's syntax tree): it names its source
// thread and kernel commits, every data/ scenario it refers to exists and
// validates, and every internal link resolves to a page.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { remark } from "remark";
import { visit } from "unist-util-visit";
import type { Link, Paragraph, Root } from "mdast";
import { formatError, validateScenario } from "../../src/index.js";
import { matchingScenarios } from "./export-section.js";

/** Where a check looks: the site root, the data directory and the threads directory. */
export interface NotebookPaths {
  /** Framework root (docs/). */
  readonly docs: string;
  /** Scenario directory (data/). */
  readonly data: string;
  /** Mailing-list threads (../shared/threads), if present. */
  readonly threads: string | null;
}

function plain(node: Paragraph): string {
  let text = "";
  visit(node, (n) => {
    if (n.type === "text" || n.type === "inlineCode") text += n.value;
  });
  return text;
}

/** Problems with one notebook, each naming what is wrong; empty when it passes. */
export function checkNotebook(file: string, text: string, paths: NotebookPaths): string[] {
  const problems: string[] = [];
  const tree = remark().parse(text) as Root;
  const paragraphs: string[] = [];
  visit(tree, "paragraph", (p: Paragraph) => {
    paragraphs.push(plain(p));
  });
  const thread = paragraphs.find((p) => p.startsWith("Thread:"));
  if (!thread) problems.push(`${file}: no "**Thread:**" paragraph naming the source thread`);
  else if (paths.threads) {
    const ids = [...thread.matchAll(/\b(\d{4}-\d{2}-[a-z0-9-]+)\b/g)].map((m) => m[1]!);
    if (!ids.some((id) => existsSync(join(paths.threads!, `${id}.txt`)))) problems.push(`${file}: the Thread paragraph names no thread in ${paths.threads} (found ${ids.join(", ") || "none"})`);
  }
  const commits = paragraphs.map((p) => /Commits:(.*)$/s.exec(p)?.[1]).find((c) => c !== undefined);
  if (!commits || !/\b[0-9a-f]{12}\b/.test(commits)) problems.push(`${file}: no "**Commits:**" paragraph with 12-digit commit ids`);

  // Scenario references in the prose (code cells load data-loader outputs, not data/ files).
  let prose = "";
  visit(tree, (n) => {
    if (n.type === "text" || n.type === "inlineCode") prose += `${n.value}\n`;
  });
  for (const m of prose.matchAll(/data\/([A-Za-z0-9*._-]+\.json)/g)) {
    const files = matchingScenarios(readdirSync(paths.data), m[1]!);
    if (files.length === 0) problems.push(`${file}: refers to data/${m[1]} but no scenario matches`);
    for (const f of files) {
      const v = validateScenario(JSON.parse(readFileSync(join(paths.data, f), "utf8")));
      if (!v.ok) problems.push(`${file}: data/${f} is not valid: ${v.errors.map(formatError).join("; ")}`);
    }
  }
  visit(tree, "link", (l: Link) => {
    const url = l.url;
    if (/^[a-z]+:/i.test(url) || url.startsWith("#")) return;
    const page = url.replace(/^\.?\//, "").replace(/#.*$/, "").replace(/\/$/, "/index");
    if (!existsSync(join(paths.docs, `${page || "index"}.md`))) problems.push(`${file}: link to ${url} does not resolve to a page`);
  });
  return problems;
}
