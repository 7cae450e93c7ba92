// Hardware-poisoned memory: a page memory_failure() unmapped leaves a
// hwpoison entry; faults on it give VM_FAULT_HWPOISON, which GUP turns into
// -EHWPOISON for FOLL_HWPOISON callers and -EFAULT for the rest
// (vm_fault_to_errno(), include/linux/mm.h; do_swap_page(), mm/memory.c).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";

const VMAS: NonNullable<ScenarioSpec["mm"]>["vmas"] = [{ name: "a", kind: "anon", pages: 2, resident: [0], hwpoison: [1] }];
const run = (ops: OpSpec[]) => checkedRun({ title: "hwpoison", mm: { vmas: VMAS }, tasks: [{ name: "T", ops }] });
const rets = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn).map((e) => e.ret);

describe("hwpoison entries", () => {
  it("a user access faults with VM_FAULT_HWPOISON (do_swap_page: is_hwpoison_entry)", () => {
    assert.deepEqual(rets(run([{ op: "fault", vma: "a", page: 1 }]), "do_user_addr_fault"), ["VM_FAULT_HWPOISON"]);
  });

  it("get_user_pages: -EFAULT (no FOLL_HWPOISON), and the pages before the poisoned one are still returned", () => {
    const r = run([{ op: "get_user_pages", call: "get_user_pages", vma: "a", page: 0, nr_pages: 2 }, { op: "get_user_pages", call: "get_user_pages", vma: "a", page: 1 }]);
    assert.deepEqual(rets(r, "get_user_pages"), [1, -14]);
  });

  it("MADV_POPULATE_READ passes FOLL_HWPOISON: -EHWPOISON (faultin_page_range)", () => {
    assert.deepEqual(rets(run([{ op: "madvise", advice: "MADV_POPULATE_READ", vma: "a", page: 0, nr_pages: 2 }]), "madvise"), ["-EHWPOISON"]);
  });

  it("MADV_DONTNEED clears the entry; the next access maps the zero page; fork copies the entry", () => {
    const r = run([{ op: "fork", child: { name: "C", ops: [{ op: "fault", vma: "a", page: 1 }, { op: "exit" }] as never[] } }, { op: "madvise", advice: "MADV_DONTNEED", vma: "a", page: 1, nr_pages: 1 }, { op: "fault", vma: "a", page: 1 }]);
    const byTask = (task: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === "do_user_addr_fault" && e.task === task).map((e) => e.ret);
    assert.deepEqual(byTask("C"), ["VM_FAULT_HWPOISON"]);
    assert.deepEqual(byTask("T"), ["0"]);
    const p1 = r.final!.vmas[0]!.ptes.find((p) => p.page === 1)!;
    assert.ok(p1.kind === "present" && p1.zero);
  });

  it("the validator keeps hwpoison to anonymous pages in no other state", () => {
    const bad = validateScenario({ title: "x", mm: { vmas: [{ name: "a", kind: "anon", pages: 2, resident: [1], hwpoison: [1] }, { name: "f", kind: "file", pages: 1, hwpoison: [0] }] }, tasks: [{ name: "T", ops: [] }] });
    assert.equal(bad.ok, false);
    const paths = bad.ok ? [] : bad.errors.map((e) => e.path);
    assert.ok(paths.includes("$.mm.vmas[0].hwpoison[0]") && paths.includes("$.mm.vmas[1].hwpoison"), paths.join(" "));
  });
});
