// mprotect(2) of a whole VMA (mm/mprotect.c do_mprotect_pkey ->
// mprotect_fixup -> change_protection): what happens to the PTEs, and the
// write upgrade of exclusive anonymous pages from 64fe24a3e05e (v6.0).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";

const VMAS: NonNullable<ScenarioSpec["mm"]>["vmas"] = [
  { name: "a", kind: "anon", pages: 2, resident: [0, 1] },
  { name: "f", kind: "file", pages: 2, shared: true, pagecache: "all" },
];
const run = (profile: string, ops: OpSpec[]): ScenarioRun => checkedRun({ title: "mprotect", mm: { vmas: VMAS }, tasks: [{ name: "T", ops }] }, profile);
const ro: OpSpec = { op: "mprotect", vma: "a", prot: "PROT_READ" };
const rw: OpSpec = { op: "mprotect", vma: "a", prot: "PROT_READ|PROT_WRITE" };
const pte = (r: ScenarioRun, vma: string, page: number, task?: string) =>
  (task === undefined ? r.final!.vmas : r.final!.children.find((c) => c.task === task)!.vmas).find((v) => v.name === vma)!.ptes.find((p) => p.page === page);
const writable = (r: ScenarioRun, vma: string, page: number, task?: string) => {
  const p = pte(r, vma, page, task);
  return p !== undefined && p.kind === "present" && p.write;
};
const calls = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn).map((e) => e.ret);
const flushes = (r: ScenarioRun) => r.result.trace.filter((e) => e.ev === "ipi_send").length;

describe("mprotect(PROT_READ) (change_pte_range: pte_modify with the new vm_page_prot)", () => {
  it("drops the write bit of every present PTE and flushes the TLB; a write then faults with SIGSEGV (access_error)", () => {
    const r = run("v6.12", [ro, { op: "fault", vma: "a", page: 0, write: true }]);
    assert.deepEqual(calls(r, "mprotect"), ["0"]);
    assert.equal(writable(r, "a", 0), false);
    assert.equal(writable(r, "a", 1), false);
    assert.equal(flushes(r), 1);
    assert.match(String(calls(r, "do_user_addr_fault")[0]), /SIGSEGV/);
  });

  it("flushes nothing when no PTE changed", () => {
    const r = run("v6.12", [ro, ro]);
    assert.equal(flushes(r), 1);
  });

  it("write GUP is refused by check_vma_flags afterwards", () => {
    const r = run("v6.12", [ro, { op: "get_user_pages", call: "get_user_pages", vma: "a", page: 0, flags: ["WRITE"] }]);
    assert.deepEqual(calls(r, "get_user_pages"), [-14]);
  });
});

describe("mprotect(PROT_READ|PROT_WRITE): the write upgrade (can_change_pte_writable, 64fe24a3e05e v6.0)", () => {
  it("before v6.0 the PTEs stay read-only: the next write takes a fault, which reuses the page", () => {
    const r = run("v5.9", [ro, rw]);
    assert.equal(writable(r, "a", 0), false);
    const w = run("v5.9", [ro, rw, { op: "fault", vma: "a", page: 0, write: true }]);
    assert.equal(writable(w, "a", 0), true);
    assert.equal(w.result.trace.filter((e) => e.ev === "mm_fault").length, 1);
  });

  it("from v6.0 an exclusive anonymous page is writable at once", () => {
    const r = run("v6.12", [ro, rw]);
    assert.equal(writable(r, "a", 0), true);
    assert.equal(writable(r, "a", 1), true);
  });

  it("a page a fork shares copy-on-write is not exclusive: it stays read-only; a GUP reference does not make it shared", () => {
    const gup = run("v6.12", [ro, { op: "get_user_pages", call: "get_user_pages", vma: "a", page: 0, hold: "pin" }, rw, { op: "put_page", pages: "pin" }]);
    assert.equal(writable(gup, "a", 0), true);
    const fork = run("v6.12", [{ op: "fork", child: { name: "C", ops: [{ op: "sleep", ns: 10 }] as never[] } }, ro, rw]);
    assert.equal(writable(fork, "a", 0), false);
  });

  it("shared file PTEs stay read-only (the next write goes through ->page_mkwrite)", () => {
    const r = run("v6.12", [
      { op: "fault", vma: "f", page: 0, write: true },
      { op: "mprotect", vma: "f", prot: "PROT_READ" },
      { op: "mprotect", vma: "f", prot: "PROT_READ|PROT_WRITE" },
    ]);
    assert.equal(writable(r, "f", 0), false);
  });

  it("shmem PTEs are writable from vm_page_prot (no write notification, vma_wants_writenotify): after a read fault, and after mprotect back to writable", () => {
    const spec = (ops: OpSpec[]) => checkedRun({ title: "shmem", mm: { vmas: [{ name: "s", kind: "shmem", shared: true, pages: 1, pagecache: [0] }] }, tasks: [{ name: "T", ops }] }, "v6.12");
    assert.equal(writable(spec([{ op: "fault", vma: "s", page: 0 }]), "s", 0), true);
    const r = spec([{ op: "fault", vma: "s", page: 0 }, { op: "mprotect", vma: "s", prot: "PROT_READ" }, { op: "mprotect", vma: "s", prot: "PROT_READ|PROT_WRITE" }]);
    assert.equal(writable(r, "s", 0), true);
  });

  it("an unmapped VMA is -ENOMEM", () => {
    const r = run("v6.12", [{ op: "munmap", vma: "a" }, ro]);
    assert.deepEqual(calls(r, "mprotect"), ["-ENOMEM"]);
  });
});
