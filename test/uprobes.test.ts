// Uprobes' breakpoint installation (kernel/events/uprobes.c: valid_vma,
// uprobe_write_opcode, __replace_page, set_orig_insn) and GUP. Facts from
// the code as read (v5.8 copy, the v6.12-era folio __replace_page, the
// v4.x uprobe_write_opcode) and Kirill Shutemov in the 2016 thread
// (../shared/threads/2016-05-gup-guarantees-userspace-mappings.txt): "I
// don't see any check page_count() around __replace_page() in uprobes, so
// it can easily replace pinned page."
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { explore } from "../src/explore/explore.js";
import { normalizeScenario, runScenario, validateScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";
import { checkScenario } from "../src/index.js";

type VmaSpec = NonNullable<ScenarioSpec["mm"]>["vmas"][number];
const rets = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn).map((e) => e.ret);
const TEXT: VmaSpec = { name: "text", kind: "file", pages: 1, writable: false, exec: true, mapped: [0] };
const register: OpSpec = { op: "uprobe_register", vma: "text", page: 0 };
const unregister: OpSpec = { op: "uprobe_unregister", vma: "text", page: 0 };
const pin: OpSpec = { op: "get_user_pages", call: "pin_user_pages", vma: "text", page: 0, hold: "pin" };
const run = (ops: OpSpec[], profile = "v6.12", vma: VmaSpec = TEXT) => checkedRun({ title: "uprobes", mm: { vmas: [vma] }, tasks: [{ name: "T", ops }] }, profile);
/** The page 0 PTE at the end and the folio it maps. */
const page0 = (r: ScenarioRun) => {
  const pte = r.final!.vmas[0]!.ptes.find((p) => p.page === 0);
  const folio = pte?.kind === "present" ? r.final!.folios.find((f) => f.pfn === pte.pfn) : undefined;
  return { pte, folio };
};

describe("valid_vma()", () => {
  it("a private file mapping with VM_MAYEXEC and no VM_WRITE gets the breakpoint: an anonymous read-only page holding 0xcc", () => {
    const { pte, folio } = page0(run([register, { op: "load", vma: "text", page: 0 }]));
    assert.ok(pte?.kind === "present" && !pte.write);
    assert.equal(folio?.mapping, null, "an anonymous page");
    assert.equal(folio?.data, 0xcc);
  });

  for (const [why, vma] of [
    ["VM_WRITE", { ...TEXT, writable: true }],
    ["no VM_MAYEXEC", { ...TEXT, exec: undefined }],
    ["MAP_SHARED (VM_MAYSHARE)", { ...TEXT, shared: true }],
  ] as const) {
    it(`skips a VMA with ${why}: uprobe_register() returns 0 and the page cache page stays mapped`, () => {
      const r = run([register, { op: "load", vma: "text", page: 0 }], "v6.12", vma);
      assert.deepEqual(rets(r, "uprobe_register"), ["0"]);
      assert.deepEqual(rets(r, "load"), [0]);
      assert.equal(page0(r).folio?.mapping, "text");
    });
  }

  it("the validator refuses a uprobe on a VMA that maps no file, naming the path", () => {
    const v = validateScenario({ title: "x", mm: { vmas: [{ name: "a", kind: "anon", pages: 1, exec: true }] }, tasks: [{ name: "T", ops: [{ op: "uprobe_register", vma: "a", page: 0 }] }] });
    assert.ok(!v.ok);
    assert.deepEqual(v.errors.map((e) => e.path), ["$.tasks[0].ops[0].vma"]);
    assert.match(v.errors[0]!.expected, /kind file or shmem/);
  });
});

describe("uprobe_write_opcode() and a GUP reference or pin", () => {
  it("separates a R/O pin taken before from the process: the process loads the breakpoint, the device reads the file's page", () => {
    const r = run([pin, register, { op: "load", vma: "text", page: 0 }, { op: "dma_read", pages: "pin", index: 0 }]);
    assert.deepEqual(rets(r, "load"), [0xcc]);
    assert.deepEqual(rets(r, "dma_read"), [0]);
  });

  it("does not refuse a pinned page: the old page keeps only the pin after __replace_page() (no refcount check, v5.9 and v6.12)", () => {
    for (const p of ["v5.9", "v6.12"]) {
      const r = run([pin, register], p);
      assert.deepEqual(rets(r, "uprobe_register"), ["0"], p);
      const old = r.final!.folios.find((f) => f.mapping === "text")!;
      // The page cache's reference and the pin (GUP_PIN_COUNTING_BIAS); no mapping.
      assert.equal(old.mapcount, 0, p);
      assert.equal(old.refcount, 1 + 1024, p);
    }
  });

  it("a FOLL_FORCE write pin (ptrace's way into text) holds an anonymous page, which uprobes replaces as well: the device's write is lost to the process", () => {
    const wpin: OpSpec = { ...pin, flags: ["WRITE", "FORCE"] } as OpSpec;
    for (const p of ["v5.9", "v6.12"]) {
      const r = run([wpin, register, { op: "dma_write", pages: "pin", index: 0, value: 42 }, { op: "load", vma: "text", page: 0 }], p);
      assert.deepEqual(rets(r, "load"), [0xcc], p);
    }
  });

  it("a pin taken after the breakpoint is on the copy: process and device agree", () => {
    const r = run([register, pin, { op: "load", vma: "text", page: 0 }, { op: "dma_read", pages: "pin", index: 0 }]);
    assert.deepEqual(rets(r, "dma_read"), [0xcc]);
  });

  it("registering twice writes once (verify_opcode() finds the breakpoint)", () => {
    const r = run([register, register]);
    assert.equal(r.result.trace.filter((e) => e.fn === "__replace_page").length, 1);
  });

  it("the explorer finds both outcomes of data/uprobe-replaces-pinned-page-v5.9.json: pin coherence is broken when the pin comes first", () => {
    const spec = JSON.parse(readFileSync("data/uprobe-replaces-pinned-page-v5.9.json", "utf8")) as ScenarioSpec;
    const res = explore(normalizeScenario(spec), { maxStates: 5000 });
    assert.ok(res.exhaustive);
    const verdicts = new Set(res.outcomes.map((o) => o.outcome.property));
    assert.deepEqual([...verdicts].sort(), [false, true]);
  });
});

describe("set_orig_insn() on uprobe_unregister() differs per profile", () => {
  const cycle = [register, unregister, { op: "load", vma: "text", page: 0 } as OpSpec];

  it("v5.7+ (v5.4's original-page restore): the anonymous copy is unmapped and the next fault maps the page cache page again", () => {
    const r = run(cycle, "v5.9");
    assert.deepEqual(rets(r, "load"), [0]);
    assert.equal(page0(r).folio?.mapping, "text");
  });

  it("v4.19: another anonymous copy holding the original data is mapped", () => {
    const r = run(cycle, "v4.19");
    assert.deepEqual(rets(r, "load"), [0]);
    assert.equal(page0(r).folio?.mapping, null);
  });

  it("v5.9: a R/O pin of the file page is back in step with the process after unregistering", () => {
    const r = run([pin, register, unregister, { op: "load", vma: "text", page: 0 }], "v5.9");
    const { folio } = page0(r);
    assert.equal(folio?.mapping, "text");
    assert.ok(folio!.refcount >= 1024, "the process maps the pinned page again");
  });

  it("v2.6.39 has no uprobes (2b1444983508 is v3.5)", () => {
    const r = runScenario({ title: "uprobes", mm: { vmas: [TEXT] }, tasks: [{ name: "T", ops: [register] }] }, { profile: "v2.6.39" });
    assert.equal(r.result.status, "error");
    assert.match(r.result.error!.message, /v3\.5/);
  });
});

describe("register_for_each_vma() and an exiting process", () => {
  // build_map_info() takes mmget_not_zero() on each mm it will visit: a child that exits meanwhile only drops its own
  // reference, and its address space is torn down at uprobes' mmput(), after the breakpoint, never under it.
  it("a forked child that exits while uprobe_register() visits the mms: no PTE is left outside a VMA (found by the fuzzer)", () => {
    const spec = {
      title: "uprobe_register against a child's exit",
      mm: { vmas: [{ ...TEXT, pages: 6, mapped: [2], pagecache: [2, 5] }] },
      tasks: [{ name: "T0", ops: [{ op: "fork", child: { name: "c0", ops: [{ op: "exit" }] } }, { op: "handle_mm_fault", vma: "text", page: 5, flags: [] }, { ...register, page: 5 }] }],
      policy: "random",
      property: { exists: { status: "ok" }, verdict: "always", seeds: { from: 0, count: 40 } },
    } as unknown as ScenarioSpec;
    const report = checkScenario(spec);
    assert.deepEqual(report.mismatches.filter((m) => m.field === "invariant"), []);
  });
});

