// Fact table for the fault path and the GUP core: each row is run through
// the model and compared with what the named kernel source does. Invariants
// (refcount >= mapcount, no lock held at task exit) are checked after every
// step of every row.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TraceEvent } from "../src/engine/trace.js";
import { runScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkFolioAccounting, checkFolios, checkLocks, checkTasks } from "../src/check/invariants.js";

const VMAS: NonNullable<ScenarioSpec["mm"]>["vmas"] = [
  { name: "file", kind: "file", pages: 8, pagecache: [1], mapped: [2] },
  { name: "anon", kind: "anon", pages: 8, resident: [0], swapped: [1], swapcache: [2] },
];
const IO = { readpage: 100_000, swapin: 50_000 };

function run(profile: string, ops: OpSpec[], extraTasks: ScenarioSpec["tasks"] = []): ScenarioRun {
  const r = runScenario(
    { title: "fact", profile: profile as ScenarioSpec["profile"], mm: { vmas: VMAS, io: IO }, tasks: [{ name: "T", ops }, ...extraTasks] },
    {
      onStep: (sim, k) => {
        checkTasks(sim);
        checkLocks(sim);
        checkFolios(k!);
      },
    },
  );
  assert.equal(r.result.status, "ok", r.result.error?.message);
  assert.deepEqual(r.result.warnings, [], "a task exited holding a lock");
  checkFolioAccounting(r.kernel!);
  return r;
}

/** The `call` events: what each op returned and whether mmap_lock was held on return. */
const calls = (r: ScenarioRun) => r.result.trace.filter((e) => e.ev === "call" && e.task === "T");
const first = (r: ScenarioRun, ev: string, fn?: string) => r.result.trace.find((e) => e.ev === ev && (fn === undefined || e.fn === fn)) as TraceEvent;
const gupCalls = (r: ScenarioRun) => r.result.trace.filter((e) => e.fn === "__get_user_pages" && e.ev === "gup").length;
const hmf = (vma: string, page: number, flags: string[]): OpSpec => ({ op: "handle_mm_fault", vma, page, flags: flags as never });

describe("handle_mm_fault: VM_FAULT_* and who holds mmap_lock on return", () => {
  it("RETRY_NOWAIT + page-cache miss: IO started, MAJOR|RETRY, mmap_lock still held (mm/filemap.c lock_folio_maybe_drop_mmap, 318b275fbca1)", () => {
    const r = run("v6.12", [hmf("file", 0, ["ALLOW_RETRY", "RETRY_NOWAIT"])]);
    const c = calls(r)[0]!;
    assert.equal(c.ret, "VM_FAULT_MAJOR|VM_FAULT_RETRY");
    assert.equal(c.args!.mmap_lock, "held");
    assert.equal(c.t, 0, "NOWAIT must not wait for the IO");
    assert.ok(first(r, "io_submit", "read_folio"), "the read is started before returning");
  });

  it("ALLOW_RETRY without NOWAIT + miss, v5.1+: mmap_lock dropped before the IO is issued, IO waited for, MAJOR|RETRY (maybe_unlock_mmap_for_io, 6b4c9f446981)", () => {
    const r = run("v6.12", [hmf("file", 0, ["ALLOW_RETRY", "KILLABLE"])]);
    const c = calls(r)[0]!;
    assert.equal(c.ret, "VM_FAULT_MAJOR|VM_FAULT_RETRY");
    assert.equal(c.args!.mmap_lock, "released");
    assert.equal(c.t, IO.readpage);
    const trace = r.result.trace;
    assert.ok(trace.indexOf(first(r, "lock_release", "up_read")) < trace.indexOf(first(r, "io_submit")));
  });

  it("the same fault before v5.1: readahead issued under mmap_lock, then dropped to wait (filemap_fault + __lock_page_or_retry, d065bd810b6d)", () => {
    const r = run("v4.19", [hmf("file", 0, ["ALLOW_RETRY", "KILLABLE"])]);
    assert.equal(calls(r)[0]!.ret, "VM_FAULT_MAJOR|VM_FAULT_RETRY");
    const trace = r.result.trace;
    assert.ok(trace.indexOf(first(r, "io_submit")) < trace.indexOf(first(r, "lock_release", "up_read")));
  });

  it("no ALLOW_RETRY (a plain get_user_pages): waits for the IO holding mmap_lock, MAJOR|LOCKED (__folio_lock; __do_fault keeps ->fault's bits)", () => {
    const c = calls(run("v6.12", [hmf("file", 0, [])]))[0]!;
    assert.equal(c.ret, "VM_FAULT_MAJOR|VM_FAULT_LOCKED");
    assert.equal(c.args!.mmap_lock, "held");
    assert.equal(c.t, IO.readpage);
  });

  it("page-cache hit, NOWAIT, before fault-around (v2.6.39): minor fault through ->fault, LOCKED, no IO (filemap_fault hit path)", () => {
    const r = run("v2.6.39", [hmf("file", 1, ["ALLOW_RETRY", "RETRY_NOWAIT"])]);
    assert.equal(calls(r)[0]!.ret, "VM_FAULT_LOCKED");
    assert.equal(first(r, "io_submit"), undefined);
  });

  it("page-cache hit with fault-around (v3.15+): filemap_map_pages maps it, NOPAGE, ->fault never runs (do_read_fault, 8c6e50b0290c)", () => {
    for (const profile of ["v4.15", "v6.12"]) {
      const r = run(profile, [hmf("file", 1, ["ALLOW_RETRY", "RETRY_NOWAIT"])]);
      assert.equal(calls(r)[0]!.ret, "VM_FAULT_NOPAGE", profile);
      assert.equal(first(r, "io_submit"), undefined);
    }
  });

  it("fault-around maps only cached, uptodate, unlocked pages of the window, read-only, one reference and mapcount each (filemap_map_pages / next_uptodate_folio)", () => {
    const r = run("v6.12", [hmf("file", 1, ["ALLOW_RETRY", "KILLABLE"])]);
    const k = r.kernel!;
    const vma = k.mm.vmas.find((v) => v.name === "file")!;
    const mapped = [0, 1, 2, 3, 4, 5, 6, 7].filter((i) => k.mm.pte(vma.start + i * 4096) !== undefined);
    assert.deepEqual(mapped, [1, 2], "page 1 (cached) by fault-around, page 2 mapped at start; uncached pages are left to ->fault");
    const pte = k.mm.pte(vma.start + 4096)!;
    assert.ok(pte.kind === "present" && !pte.write && pte.folio.mapcount === 1 && pte.folio.refcount === 2);
  });

  it("swapped-out anon page, NOWAIT: swap-in started, MAJOR|RETRY, mmap_lock held (do_swap_page + folio_lock_or_retry)", () => {
    const r = run("v6.12", [hmf("anon", 1, ["ALLOW_RETRY", "RETRY_NOWAIT"])]);
    const c = calls(r)[0]!;
    assert.deepEqual([c.ret, c.args!.mmap_lock, c.t], ["VM_FAULT_MAJOR|VM_FAULT_RETRY", "held", 0]);
    assert.ok(first(r, "io_submit", "swap_read_folio"));
  });

  it("swapped-out anon page, ALLOW_RETRY: mmap_lock released, swap-in waited for, MAJOR|RETRY (__folio_lock_or_retry)", () => {
    const c = calls(run("v6.12", [hmf("anon", 1, ["ALLOW_RETRY", "KILLABLE"])]))[0]!;
    assert.deepEqual([c.ret, c.args!.mmap_lock, c.t], ["VM_FAULT_MAJOR|VM_FAULT_RETRY", "released", IO.swapin]);
  });

  it("swap-cache hit: no IO and no MAJOR (do_swap_page sets MAJOR only when it swapped in)", () => {
    const r = run("v6.12", [hmf("anon", 2, ["ALLOW_RETRY", "RETRY_NOWAIT"])]);
    assert.equal(calls(r)[0]!.ret, "0");
    assert.equal(first(r, "io_submit"), undefined);
  });

  it("untouched anon page: read maps the zero page, write a new folio, both 0 (do_anonymous_page)", () => {
    const r = run("v6.12", [hmf("anon", 3, []), hmf("anon", 4, ["WRITE"])]);
    assert.deepEqual(calls(r).map((c) => c.ret), ["0", "0"]);
    const k = r.kernel!;
    const pte3 = k.mm.pte(k.mm.vmas[1]!.start + 3 * 4096)!;
    const pte4 = k.mm.pte(k.mm.vmas[1]!.start + 4 * 4096)!;
    assert.ok(pte3.kind === "present" && pte3.folio === k.zero_folio && !pte3.write);
    assert.ok(pte4.kind === "present" && pte4.folio !== k.zero_folio && pte4.write);
  });

  it("a fault on a folio whose read is in flight, retried with TRIED: waits for it holding mmap_lock (v5.7+: fault_flag_allow_retry_first false)", () => {
    const c = calls(run("v6.12", [hmf("file", 0, ["ALLOW_RETRY", "RETRY_NOWAIT"]), hmf("file", 0, ["ALLOW_RETRY", "TRIED"])]));
    assert.deepEqual([c[1]!.ret, c[1]!.args!.mmap_lock, c[1]!.t], ["VM_FAULT_LOCKED", "held", IO.readpage]);
  });

  it("the same ALLOW_RETRY|TRIED fault before v5.7 drops mmap_lock and returns RETRY again (__lock_page_or_retry tested ALLOW_RETRY only)", () => {
    const c = calls(run("v5.3", [hmf("file", 0, ["ALLOW_RETRY", "RETRY_NOWAIT"]), hmf("file", 0, ["ALLOW_RETRY", "TRIED"])]));
    assert.deepEqual([c[1]!.ret, c[1]!.args!.mmap_lock], ["VM_FAULT_RETRY", "released"]);
  });

  it("RETRY_NOWAIT without ALLOW_RETRY on a folio under IO: since v5.1 NOWAIT is tested first and returns RETRY with mmap_lock held; before, the fault sleeps on the page lock (lock_folio_maybe_drop_mmap, 6b4c9f446981)", () => {
    const ops = [hmf("file", 0, ["ALLOW_RETRY", "RETRY_NOWAIT"]), hmf("file", 0, ["RETRY_NOWAIT"])];
    const now = calls(run("v6.12", ops))[1]!;
    const then = calls(run("v4.19", ops))[1]!;
    assert.deepEqual([now.ret, now.args!.mmap_lock, now.t], ["VM_FAULT_RETRY", "held", 0]);
    assert.deepEqual([then.ret, then.t], ["VM_FAULT_LOCKED", IO.readpage]);
  });

  it("v2.6.39 has NOWAIT (318b275fbca1): swapped page returns RETRY with mmap_sem held", () => {
    const c = calls(run("v2.6.39", [hmf("anon", 1, ["ALLOW_RETRY", "RETRY_NOWAIT"])]))[0]!;
    assert.deepEqual([c.ret, c.args!.mmap_lock], ["VM_FAULT_MAJOR|VM_FAULT_RETRY", "held"]);
  });

  it("v2.6.38 has no FAULT_FLAG_RETRY_NOWAIT: the run stops with an error naming the commit", () => {
    const r = runScenario({ title: "x", profile: "v2.6.38", mm: { vmas: VMAS }, tasks: [{ name: "T", ops: [hmf("anon", 1, ["ALLOW_RETRY", "RETRY_NOWAIT"])] }] });
    assert.equal(r.result.status, "error");
    assert.match(r.result.error!.message, /FAULT_FLAG_RETRY_NOWAIT does not exist before v2\.6\.39 \(318b275fbca1\)/);
  });

  it("x86 user fault on a swapped page, v5.9: RETRY (lock dropped), then a second handle_mm_fault with TRIED succeeds (do_user_addr_fault)", () => {
    const r = run("v5.9", [{ op: "fault", vma: "anon", page: 1 }]);
    const faults = r.result.trace.filter((e) => e.ev === "mm_fault");
    assert.deepEqual(
      faults.map((e) => e.args!.flags),
      ["FAULT_FLAG_ALLOW_RETRY|FAULT_FLAG_KILLABLE|FAULT_FLAG_USER|FAULT_FLAG_INTERRUPTIBLE", "FAULT_FLAG_ALLOW_RETRY|FAULT_FLAG_KILLABLE|FAULT_FLAG_TRIED|FAULT_FLAG_USER|FAULT_FLAG_INTERRUPTIBLE"],
    );
    assert.equal(calls(r)[0]!.ret, "0");
  });

  it("the same fault on v6.12: first under the VMA lock, which the swap-in drops (RETRY|MAJOR), then under mmap_lock with TRIED (do_user_addr_fault, 1235ccd05b6d, 4089eef0e6ac)", () => {
    const r = run("v6.12", [{ op: "fault", vma: "anon", page: 1 }]);
    const faults = r.result.trace.filter((e) => e.ev === "mm_fault");
    assert.deepEqual(
      faults.map((e) => e.args!.flags),
      ["FAULT_FLAG_ALLOW_RETRY|FAULT_FLAG_KILLABLE|FAULT_FLAG_USER|FAULT_FLAG_INTERRUPTIBLE|FAULT_FLAG_VMA_LOCK", "FAULT_FLAG_ALLOW_RETRY|FAULT_FLAG_KILLABLE|FAULT_FLAG_TRIED|FAULT_FLAG_USER|FAULT_FLAG_INTERRUPTIBLE"],
    );
    assert.equal(calls(r)[0]!.ret, "0");
  });

  it("v6.4 does not swap in under the VMA lock: RETRY at once, no IO started, then the whole fault under mmap_lock (do_swap_page, 17c05f18e541)", () => {
    const r = run("v6.4", [{ op: "fault", vma: "anon", page: 1 }]);
    const done = r.result.trace.filter((e) => e.ev === "mm_fault_done");
    assert.equal(done[0]!.ret, "VM_FAULT_RETRY");
    const trace = r.result.trace;
    assert.ok(trace.indexOf(first(r, "io_submit")) > trace.indexOf(done[0]!), "the swap-in starts on the mmap_lock attempt");
    assert.equal(calls(r)[0]!.ret, "0");
  });

  it("a write to a private file page COWs into an anonymous folio (do_cow_fault)", () => {
    const r = run("v6.12", [hmf("file", 1, ["WRITE"])]);
    const k = r.kernel!;
    const pte = k.mm.pte(k.mm.vmas[0]!.start + 4096)!;
    assert.ok(pte.kind === "present" && pte.write && pte.folio.mapping === null);
    assert.equal(k.mm.vmas[0]!.file!.pages.get(1)!.mapcount, 0);
  });
});

describe("GUP: return values, __get_user_pages calls, mmap_lock", () => {
  const gup = (call: string, page: number, extra: Partial<Extract<OpSpec, { op: "get_user_pages" }>> = {}): OpSpec => ({ op: "get_user_pages", call: call as never, vma: "anon", page, ...extra });

  it("FOLL_NOWAIT on a resident page succeeds: 1 page, one __get_user_pages call (follow_page_mask finds it)", () => {
    const r = run("v6.12", [gup("get_user_pages_unlocked", 0, { flags: ["NOWAIT"] })]);
    assert.equal(calls(r)[0]!.ret, 1);
    assert.equal(gupCalls(r), 1);
  });

  it("FOLL_NOWAIT on a swapped page: 0 pages, IO started, no wait (faultin_page -EBUSY; only FOLL_NOWAIT may return 0)", () => {
    const r = run("v6.12", [gup("get_user_pages_unlocked", 1, { flags: ["NOWAIT"] })]);
    const c = calls(r)[0]!;
    assert.deepEqual([c.ret, c.t, c.args!.mmap_lock], [0, 0, "released"]);
    assert.ok(first(r, "io_submit", "swap_read_folio"));
    assert.equal(gupCalls(r), 1);
  });

  it("v4.15 (ce53053ce378 .. 96312e61282a): FOLL_NOWAIT through get_user_pages_unlocked marks mmap_lock dropped when it was not; the read hold leaks (the post-copy KVM hang)", () => {
    const r = runScenario({ title: "x", profile: "v4.15", mm: { vmas: VMAS, io: IO }, tasks: [{ name: "T", ops: [gup("get_user_pages_unlocked", 1, { flags: ["NOWAIT"] })] }] });
    assert.deepEqual(r.result.warnings, ["T exited holding mmap_lock (read): lock held when returning to user space"]);
  });

  it("get_user_pages (locked == NULL) on a swapped page waits for the IO holding mmap_lock: one call, 1 page", () => {
    const r = run("v6.12", [gup("get_user_pages", 1)]);
    const c = calls(r)[0]!;
    assert.deepEqual([c.ret, c.t], [1, IO.swapin]);
    assert.equal(gupCalls(r), 1);
    assert.equal(first(r, "lock_release", "up_read").t, IO.swapin, "mmap_lock is released only by the caller, after the IO");
  });

  it("get_user_pages_unlocked on a swapped page: RETRY drops the lock, then a FOLL_TRIED call: two __get_user_pages calls (__get_user_pages_locked)", () => {
    const r = run("v6.12", [gup("get_user_pages_unlocked", 1)]);
    assert.equal(calls(r)[0]!.ret, 1);
    assert.equal(gupCalls(r), 2);
    const tried = r.result.trace.filter((e) => e.ev === "gup")[1]!;
    assert.match(String(tried.args!.flags), /FOLL_TRIED/);
  });

  it("prefault (pages == NULL) via get_user_pages_remote(&locked): before df17277b2a85 one call returning 0; after it two calls returning 1", () => {
    const pre = run("v5.1", [gup("get_user_pages_remote", 1, { pages: false, locked: true })]);
    const post = run("v5.2", [gup("get_user_pages_remote", 1, { pages: false, locked: true })]);
    assert.deepEqual([calls(pre)[0]!.ret, gupCalls(pre)], [0, 1]);
    assert.deepEqual([calls(post)[0]!.ret, gupCalls(post)], [1, 2]);
  });

  it("GUP with FOLL_GET takes a reference per page; after put_page only the mappings' references remain", () => {
    const r = run("v6.12", [gup("get_user_pages_unlocked", 0, { nr_pages: 3, flags: ["WRITE"] })]);
    assert.equal(calls(r)[0]!.args!.pinned, 3);
  });

  it("two tasks faulting the same uncached file page: the second finds the PTE mapped and backs off (finish_fault: !pte_none -> VM_FAULT_NOPAGE)", () => {
    const ops: OpSpec[] = [{ op: "get_user_pages", call: "get_user_pages", vma: "file", page: 0 }];
    const r = run("v6.12", ops, [{ name: "U", ops }]);
    const folio = r.kernel!.mm.vmas[0]!.file!.pages.get(0)!;
    assert.deepEqual([folio.refcount, folio.mapcount], [2, 1], "page cache + one PTE");
    assert.ok(r.result.trace.some((e) => e.ev === "mm_fault_done" && /VM_FAULT_NOPAGE/.test(String(e.ret))));
  });

  it("two tasks faulting the same swapped page: one maps it, the other sees !pte_same and backs off (do_swap_page out_nomap)", () => {
    const ops: OpSpec[] = [{ op: "get_user_pages", call: "get_user_pages", vma: "anon", page: 1 }];
    const r = run("v6.12", ops, [{ name: "U", ops }]);
    const pte = r.kernel!.mm.pte(r.kernel!.mm.vmas[1]!.start + 4096)!;
    assert.ok(pte.kind === "present");
    assert.deepEqual([pte.folio.refcount, pte.folio.mapcount], [1, 1]);
  });
});

describe("a file shorter than its mapping (filemap_fault's max_idx)", () => {
  const SHORT: NonNullable<ScenarioSpec["mm"]>["vmas"] = [{ name: "f", kind: "file", pages: 8, size: 3, pagecache: [0, 1, 2] }];
  it("a fault at or past EOF is SIGBUS; fault-around stops at EOF", () => {
    const r = runScenario({ title: "eof", mm: { vmas: SHORT }, tasks: [{ name: "T", ops: [{ op: "fault", vma: "f", page: 1 }, { op: "fault", vma: "f", page: 3 }] }] });
    assert.deepEqual(r.result.trace.filter((e) => e.ev === "call").map((e) => e.ret), ["VM_FAULT_NOPAGE", "VM_FAULT_SIGBUS"]);
    assert.deepEqual(r.final!.vmas[0]!.ptes.map((p) => p.page), [0, 1, 2]);
  });
  it("GUP past EOF fails with -EFAULT after the pages before it", () => {
    const r = runScenario({ title: "eof gup", mm: { vmas: SHORT }, tasks: [{ name: "T", ops: [{ op: "get_user_pages", call: "get_user_pages_unlocked", vma: "f", page: 1, nr_pages: 4 }] }] });
    assert.equal(r.result.trace.find((e) => e.ev === "call")!.ret, 2);
  });
});
