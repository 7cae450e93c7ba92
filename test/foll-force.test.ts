// FOLL_FORCE writes (ptrace, /proc/pid/mem) to a private mapping without
// VM_WRITE, and the Dirty COW race (CVE-2016-5195): before 19be0eaffa3a
// (v4.8.3) the fault loop dropped FOLL_WRITE after breaking COW, so a
// MADV_DONTNEED in between let the write reach the file's page cache.
// Verdicts from the explorer, exhaustive (mm/gup.c faultin_page,
// follow_page_pte, check_vma_flags).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { explore } from "../src/explore/explore.js";
import { normalizeScenario, validateScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";

const rets = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn).map((e) => e.ret);
const LIB: NonNullable<ScenarioSpec["mm"]>["vmas"] = [{ name: "lib", kind: "file", pages: 1, writable: false, pagecache: [0] }];
const force = (extra: Partial<OpSpec> = {}): OpSpec => ({ op: "get_user_pages", call: "get_user_pages_remote", vma: "lib", page: 0, flags: ["WRITE", "FORCE"], hold: "p", ...extra }) as OpSpec;

describe("check_vma_flags() and FOLL_FORCE", () => {
  it("a write without FOLL_FORCE to a VMA without VM_WRITE is -EFAULT; with it, GUP breaks COW and returns a private copy, the file untouched", () => {
    const plain = checkedRun({ title: "w", mm: { vmas: LIB }, tasks: [{ name: "T", ops: [force({ flags: ["WRITE"], hold: undefined })] }] });
    assert.deepEqual(rets(plain, "get_user_pages_remote"), [-14]);
    for (const p of ["v2.6.39", "v4.15", "v6.12"]) {
      const r = checkedRun({ title: "w", profile: p as ScenarioSpec["profile"], mm: { vmas: LIB }, tasks: [{ name: "T", ops: [force(), { op: "dma_write", pages: "p", index: 0, value: 9 }, { op: "put_page", pages: "p" }, { op: "load", vma: "lib", page: 0 }, { op: "madvise", advice: "MADV_DONTNEED", vma: "lib", page: 0 }, { op: "load", vma: "lib", page: 0 }] }] });
      assert.deepEqual(rets(r, "load"), [9, 0], `${p}: the process sees the write; after the zap, the file's 0`);
      const pte = r.final!.vmas[0]!.ptes[0]!;
      assert.ok(pte.kind === "present" && !pte.write, `${p}: the mapping stays read-only`);
    }
  });

  it("refuses FOLL_FORCE writes to shared mappings", () => {
    const r = checkedRun({ title: "w", mm: { vmas: [{ ...LIB[0]!, shared: true }] }, tasks: [{ name: "T", ops: [force({ hold: undefined })] }] });
    assert.deepEqual(rets(r, "get_user_pages_remote"), [-14]);
  });
});

describe("Dirty COW: every interleaving (the explorer, exhaustive)", () => {
  const scenario = (p: string) => normalizeScenario(JSON.parse(readFileSync(`data/dirty-cow-${p}.json`, "utf8")));

  it("v2.6.39: some interleaving writes the file's page-cache page (FOLL_WRITE dropped after the COW fault)", () => {
    const v = explore(scenario("v2.6.39")).verdict!;
    assert.deepEqual([v.found, v.exhaustive], ["sometimes", true]);
  });

  it("v4.15 and v6.12: none does (FOLL_COW and a dirty PTE, 19be0eaffa3a)", () => {
    for (const p of ["v4.15", "v6.12"]) {
      const v = explore(scenario(p)).verdict!;
      assert.deepEqual([v.found, v.exhaustive], ["never", true], p);
    }
  });

  it("the scenario's property names tasks the validator knows", () => {
    assert.ok(validateScenario(JSON.parse(readFileSync("data/dirty-cow-v2.6.39.json", "utf8"))).ok);
  });
});
