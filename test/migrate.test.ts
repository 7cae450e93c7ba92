// Page migration (mm/migrate.c migrate_pages, migrate_folio,
// remove_migration_ptes, migration_entry_wait; mm/rmap.c try_to_migrate)
// through move_pages(2) (do_pages_move). Facts from the code: a GUP
// reference or pin makes migrate_folio()'s refcount check, before the copy,
// fail with -EAGAIN, retried NR_MAX_MIGRATE_PAGES_RETRY times; since v5.19
// try_to_migrate() already refuses to unmap a maybe-pinned exclusive page;
// a page that did not move leaves its status unwritten and counts in the
// return value; a fault on a migration entry waits for the migration.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NR_MAX_MIGRATE_PAGES_RETRY } from "../src/mm/migrate.js";
import type { ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";

type Vmas = NonNullable<ScenarioSpec["mm"]>["vmas"];
const ONE: Vmas = [{ name: "a", kind: "anon", pages: 1, resident: [0] }];
const move = (extra: Partial<Extract<OpSpec, { op: "move_pages" }>> = {}): OpSpec => ({ op: "move_pages", vma: "a", page: 0, node: 1, ...extra });
const run = (ops: OpSpec[], profile = "v6.12", vmas: Vmas = ONE) => checkedRun({ title: "migrate", mm: { vmas }, tasks: [{ name: "T", ops }] }, profile);
const call = (r: ScenarioRun, fn: string) => r.result.trace.filter((e) => e.ev === "call" && e.fn === fn);
const copies = (r: ScenarioRun) => r.result.trace.filter((e) => e.fn === "folio_mc_copy").length;
const unmaps = (r: ScenarioRun) => r.result.trace.filter((e) => e.fn === "set_migration_pte").length;
/** numad migrates page 0 with a 10 us copy, preceded by `before`; task T sleeps 2 us, into the copy, then runs `op`. */
const duringMigration = (op: OpSpec, before: OpSpec[] = []) =>
  checkedRun({
    title: `${op.op} during a migration`,
    mm: { vmas: ONE },
    tasks: [
      { name: "numad", ops: [...before, move({ copyNs: 10_000 })] },
      { name: "T", ops: [{ op: "sleep", ns: 2000 }, op] },
    ],
  });
const pfn = (r: ScenarioRun, page = 0) => {
  const pte = r.final!.vmas[0]!.ptes.find((p) => p.page === page);
  return pte?.kind === "present" ? pte.pfn : -1;
};

describe("move_pages(2)", () => {
  it("moves an unpinned page: the address maps a new page with the same contents, status is the node, the old page is freed", () => {
    const before = run([{ op: "store", vma: "a", page: 0, value: 5 }]);
    const r = run([{ op: "store", vma: "a", page: 0, value: 5 }, move(), { op: "load", vma: "a", page: 0 }]);
    const [mp] = call(r, "move_pages");
    assert.equal(mp!.ret, 0);
    assert.equal(mp!.args!.status, "1");
    assert.deepEqual(call(r, "load").map((e) => e.ret), [5]);
    assert.notEqual(pfn(r), pfn(before));
    assert.equal(r.kernel!.folios.find((f) => f.pfn === pfn(r))!.nid, 1);
    assert.equal(r.kernel!.folios.find((f) => f.pfn === pfn(before))!.refcount, 0, "the old page has no reference left");
  });

  it("a GUP reference keeps the page: after each unmap the refcount check sees it before any copy, -EAGAIN NR_MAX_MIGRATE_PAGES_RETRY times; 1 not migrated, status unwritten", () => {
    for (const p of ["v5.9", "v6.12"]) {
      const before = run([{ op: "get_user_pages", call: "get_user_pages", vma: "a", page: 0, hold: "g" }], p);
      const r = run([{ op: "get_user_pages", call: "get_user_pages", vma: "a", page: 0, hold: "g" }, move(), { op: "put_page", pages: "g" }], p);
      const [mp] = call(r, "move_pages");
      assert.deepEqual([mp!.ret, mp!.args!.status], [1, "unset"], p);
      assert.deepEqual([unmaps(r), copies(r)], [NR_MAX_MIGRATE_PAGES_RETRY, 0], p);
      assert.equal(pfn(r), pfn(before), `${p}: the process still maps the old page`);
    }
  });

  it("a pin: before v5.19 it is unmapped and fails the same refcount check each time; since, try_to_migrate() refuses to unmap the pinned exclusive page", () => {
    const pinned = (p: string) => run([{ op: "get_user_pages", call: "pin_user_pages", vma: "a", page: 0, flags: ["WRITE"], hold: "dma" }, move(), { op: "unpin_user_pages", pages: "dma" }], p);
    for (const [p, n] of [["v5.9", NR_MAX_MIGRATE_PAGES_RETRY], ["v6.12", 0]] as const) {
      const r = pinned(p);
      assert.deepEqual([call(r, "move_pages")[0]!.ret, unmaps(r), copies(r)], [1, n, 0], p);
    }
  });

  it("statuses: -EFAULT for the zero page and past the VMA, -ENOENT for a page not present, the node for a page already there, -EACCES for a page another process maps", () => {
    const vmas: Vmas = [{ name: "a", kind: "anon", pages: 3, resident: [2] }];
    const r = run([{ op: "load", vma: "a", page: 0 }, move({ nr_pages: 4 }), move({ page: 2, node: 0 })], "v6.12", vmas);
    assert.deepEqual(call(r, "move_pages").map((e) => [e.args!.status, e.ret]), [["-EFAULT,-ENOENT,1,-EFAULT", 0], ["0", 0]]);
    const shared = run([{ op: "fork", child: { name: "C", ops: [{ op: "sleep", ns: 1000 }, { op: "exit" }] as never[] } }, move()]);
    assert.deepEqual(call(shared, "move_pages").map((e) => e.args!.status), ["-EACCES"]);
  });

  it("a fault on a migration entry waits in migration_entry_wait() until the migration ends, then maps the new page", () => {
    const r = duringMigration({ op: "store", vma: "a", page: 0, value: 4 }, [{ op: "store", vma: "a", page: 0, value: 3 }]);
    const wait = r.result.trace.find((e) => e.fn === "migration_entry_wait");
    assert.ok(wait && wait.task === "T", "T waited on the migration entry");
    const store = call(r, "store").find((e) => e.task === "T")!;
    assert.ok(store.t >= 10_000, "the store completed after the copy");
    assert.equal(r.kernel!.folios.find((f) => f.pfn === pfn(r))!.data, 4);
    assert.equal(call(r, "move_pages")[0]!.ret, 0);
  });

  it("mprotect() during the migration makes the writable migration entry readable whatever the protection: the new page is mapped read-only", () => {
    const r = duringMigration({ op: "mprotect", vma: "a", prot: "PROT_READ|PROT_WRITE" });
    assert.equal(call(r, "move_pages")[0]!.ret, 0);
    const pte = r.final!.vmas[0]!.ptes[0]!;
    assert.ok(pte.kind === "present" && !pte.write, JSON.stringify(pte));
  });

  it("fork() during the migration copies the migration entry, readable in both (copy_nonpresent_pte); remove_migration_ptes() maps the new page in both, COW-shared", () => {
    const r = duringMigration({ op: "fork", child: { name: "C", ops: [{ op: "sleep", ns: 20_000 }] as never[] } });
    assert.equal(call(r, "move_pages")[0]!.ret, 0);
    const parent = r.final!.vmas[0]!.ptes[0]!;
    const child = r.final!.children[0]!.vmas[0]!.ptes[0]!;
    assert.ok(parent.kind === "present" && child.kind === "present" && !parent.write && !child.write && parent.pfn === child.pfn, JSON.stringify([parent, child]));
    assert.equal(r.final!.folios.find((f) => f.pfn === parent.pfn)!.mapcount, 2);
  });
});
