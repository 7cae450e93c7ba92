// FOLL_LONGTERM pins, as tools/testing/selftests/mm/gup_longterm.c (2023,
// v6.5+) tests them through the gup_test device (PIN_LONGTERM_TEST_START:
// pin_user_pages() under mmap_read_lock, or pin_user_pages_fast(), with
// FOLL_LONGTERM, plus FOLL_WRITE for the R/W cases). Each case maps one page
// of the file (MAP_SHARED or MAP_PRIVATE, PROT_READ|PROT_WRITE), memsets it
// (a write fault), mprotects it PROT_READ for the R/O cases, then pins. The
// selftest's expectation: "R/O pinning or pinning in a private mapping is
// always expected to work. Otherwise, we expect long-term R/W pinning to only
// succeed for special filesystems" (fs_supports_writable_longterm_pinning():
// tmpfs and hugetlbfs, not ext4, xfs or btrfs); a refused pin is -EFAULT.
//
// The model's memory types: memfd (shmem, TMPFS_MAGIC), the "local tmpfile"
// on a regular filesystem (the model's file VMA: ext4-like, dirty-tracked),
// and anonymous private memory, which the selftest does not run (the row
// uses its rule for private mappings). Each row gives the selftest case and
// what the pin returns per profile: before v6.5 (8ac268436e6d, a6e79df92e4a)
// every pin works, so the selftest's "Should have failed" rows fail there.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { folio_is_longterm_pinnable } from "../src/mm/folio.js";
import { checkedRun } from "./checked-run.js";

type Result = "works" | "EFAULT";
interface Row {
  /** The selftest's test_cases[] description. */
  readonly test_case: string;
  /** run_with_memfd, run_with_local_tmpfile, or anonymous memory (not in the selftest). */
  readonly with: "memfd" | "local tmpfile" | "anonymous (not in gup_longterm.c)";
  /** What the pin returns, per profile. */
  readonly expect: Readonly<Record<"v5.9" | "v6.4" | "v6.12", Result>>;
}

const WORKS = { "v5.9": "works", "v6.4": "works", "v6.12": "works" } as const;
const REFUSED_SINCE_V6_5 = { "v5.9": "works", "v6.4": "works", "v6.12": "EFAULT" } as const;

const ROWS: readonly Row[] = [
  { test_case: "R/W longterm GUP pin in MAP_SHARED file mapping", with: "memfd", expect: WORKS },
  { test_case: "R/W longterm GUP pin in MAP_SHARED file mapping", with: "local tmpfile", expect: REFUSED_SINCE_V6_5 },
  { test_case: "R/W longterm GUP-fast pin in MAP_SHARED file mapping", with: "memfd", expect: WORKS },
  { test_case: "R/W longterm GUP-fast pin in MAP_SHARED file mapping", with: "local tmpfile", expect: REFUSED_SINCE_V6_5 },
  { test_case: "R/O longterm GUP pin in MAP_SHARED file mapping", with: "memfd", expect: WORKS },
  { test_case: "R/O longterm GUP pin in MAP_SHARED file mapping", with: "local tmpfile", expect: WORKS },
  { test_case: "R/O longterm GUP-fast pin in MAP_SHARED file mapping", with: "memfd", expect: WORKS },
  { test_case: "R/O longterm GUP-fast pin in MAP_SHARED file mapping", with: "local tmpfile", expect: WORKS },
  { test_case: "R/W longterm GUP pin in MAP_PRIVATE file mapping", with: "memfd", expect: WORKS },
  { test_case: "R/W longterm GUP pin in MAP_PRIVATE file mapping", with: "local tmpfile", expect: WORKS },
  { test_case: "R/W longterm GUP-fast pin in MAP_PRIVATE file mapping", with: "memfd", expect: WORKS },
  { test_case: "R/W longterm GUP-fast pin in MAP_PRIVATE file mapping", with: "local tmpfile", expect: WORKS },
  { test_case: "R/O longterm GUP pin in MAP_PRIVATE file mapping", with: "memfd", expect: WORKS },
  { test_case: "R/O longterm GUP pin in MAP_PRIVATE file mapping", with: "local tmpfile", expect: WORKS },
  { test_case: "R/O longterm GUP-fast pin in MAP_PRIVATE file mapping", with: "memfd", expect: WORKS },
  { test_case: "R/O longterm GUP-fast pin in MAP_PRIVATE file mapping", with: "local tmpfile", expect: WORKS },
  { test_case: "R/W longterm GUP pin in MAP_PRIVATE file mapping", with: "anonymous (not in gup_longterm.c)", expect: WORKS },
  { test_case: "R/W longterm GUP-fast pin in MAP_PRIVATE file mapping", with: "anonymous (not in gup_longterm.c)", expect: WORKS },
  { test_case: "R/O longterm GUP pin in MAP_PRIVATE file mapping", with: "anonymous (not in gup_longterm.c)", expect: WORKS },
  { test_case: "R/O longterm GUP-fast pin in MAP_PRIVATE file mapping", with: "anonymous (not in gup_longterm.c)", expect: WORKS },
];

/** do_test() for one row under one profile, through the model: the pin's return value as works / EFAULT. */
function do_test(row: Row, profile: string): Result {
  const shared = row.test_case.includes("MAP_SHARED");
  const rw = row.test_case.startsWith("R/W");
  const fast = row.test_case.includes("GUP-fast");
  const kind = row.with === "memfd" ? "shmem" : row.with === "local tmpfile" ? "file" : "anon";
  const vmas: NonNullable<ScenarioSpec["mm"]>["vmas"] = [{ name: "mem", kind, shared, pages: 1 }];
  const ops: OpSpec[] = [
    // memset(mem, 0, size): "Fault in the page such that GUP-fast can pin it directly."
    { op: "store", vma: "mem", page: 0, value: 0 },
    ...(rw ? [] : [{ op: "mprotect", vma: "mem", prot: "PROT_READ" } as const]),
    { op: "get_user_pages", call: fast ? "pin_user_pages_fast" : "pin_user_pages", vma: "mem", page: 0, flags: rw ? ["WRITE", "LONGTERM"] : ["LONGTERM"] },
  ];
  const r = checkedRun({ title: row.test_case, mm: { vmas }, tasks: [{ name: "gup_longterm", ops }] }, profile);
  const ret = r.result.trace.find((e) => e.ev === "call" && e.fn?.startsWith("pin_user_pages"))!.ret;
  if (ret === 1) return "works";
  if (ret === -14) return "EFAULT";
  throw new Error(`${row.test_case} with ${row.with} on ${profile}: the pin returned ${String(ret)}`);
}

describe("gup_longterm.c's cases, per profile", () => {
  for (const row of ROWS) {
    for (const [profile, expected] of Object.entries(row.expect)) {
      it(`${row.test_case} (${row.with}), ${profile}: ${expected}`, () => assert.equal(do_test(row, profile), expected));
    }
  }
});

describe("FOLL_LONGTERM and ZONE_MOVABLE (check_and_migrate_movable_pages)", () => {
  const pin = (profile: string) =>
    checkedRun(
      {
        title: "longterm pin in ZONE_MOVABLE",
        mm: { zone: "ZONE_MOVABLE", vmas: [{ name: "buf", kind: "anon", pages: 2, resident: [0] }] },
        tasks: [{ name: "T", ops: [
          { op: "store", vma: "buf", page: 0, value: 7 },
          { op: "get_user_pages", call: "pin_user_pages", vma: "buf", page: 0, nr_pages: 2, flags: ["WRITE", "LONGTERM"], hold: "dma" },
        ] }],
      },
      profile,
    );
  const pinned = (r: ReturnType<typeof pin>) => r.held.get("dma")!.folios;

  it("since v5.13 the pinned pages are the ones the process maps, none in ZONE_MOVABLE, the data carried over; before, the page stays in ZONE_MOVABLE", () => {
    const r = pin("v6.12");
    const k = r.kernel!;
    const maps = [0, 1].map((i) => k.mm.pte(k.mm.vmas[0]!.start + i * 4096));
    assert.deepEqual(pinned(r).map((f) => folio_is_longterm_pinnable(f, k.zero_folio)), [true, true]);
    assert.deepEqual(maps.map((p) => (p?.kind === "present" ? p.folio : null)), pinned(r), "the process maps what the pin holds");
    assert.equal(pinned(r)[0]!.data, 7);
    assert.equal(r.result.trace.filter((e) => e.fn === "mm_migrate_pages").length, 1, "one migration, then the range pinned again");
    const old = pin("v5.9");
    assert.deepEqual(pinned(old).map((f) => f.zone), ["ZONE_MOVABLE", "ZONE_MOVABLE"]);
  });

  it("a page the pin itself faults in comes from outside ZONE_MOVABLE since v5.13 (PF_MEMALLOC_PIN), so nothing migrates; from ZONE_MOVABLE before", () => {
    const fresh = (profile: string) =>
      checkedRun(
        {
          title: "longterm pin faults the page in",
          mm: { zone: "ZONE_MOVABLE", vmas: [{ name: "buf", kind: "anon", pages: 1 }] },
          tasks: [{ name: "T", ops: [{ op: "get_user_pages", call: "pin_user_pages", vma: "buf", page: 0, flags: ["WRITE", "LONGTERM"], hold: "dma" }] }],
        },
        profile,
      );
    const now = fresh("v6.12");
    assert.deepEqual([now.held.get("dma")!.folios[0]!.zone, now.result.trace.filter((e) => e.fn === "mm_migrate_pages").length], ["ZONE_NORMAL", 0]);
    assert.equal(fresh("v5.9").held.get("dma")!.folios[0]!.zone, "ZONE_MOVABLE");
  });

  it("a page that cannot migrate (a GUP reference on it) fails the pin with -ENOMEM and leaves nothing pinned", () => {
    const r = checkedRun(
      {
        title: "unmigratable",
        mm: { zone: "ZONE_MOVABLE", vmas: [{ name: "buf", kind: "anon", pages: 1, resident: [0] }] },
        tasks: [{ name: "T", ops: [
          { op: "get_user_pages", call: "get_user_pages", vma: "buf", page: 0, hold: "ref" },
          { op: "get_user_pages", call: "pin_user_pages", vma: "buf", page: 0, flags: ["LONGTERM"], hold: "dma" },
          { op: "put_page", pages: "ref" },
        ] }],
      },
      "v6.12",
    );
    assert.equal(r.result.trace.find((e) => e.fn === "pin_user_pages")!.ret, -12);
    assert.equal(r.held.get("dma")!.folios.length, 0);
  });
});
