// The /vfio notebook's explorations and cost runs (docs/components/
// vfio-designs.ts, explore-view.ts), in Node as the page's worker runs
// them, against what the kernel did: each expectation names its source
// (vfio_pci.c v5.8.18, vfio_pci_core.c ~v5.15 and v6.2..v6.4, the v6.10
// diffs, the 2023/2024 mails; /work/facts-vfio.md).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { ScenarioSpec } from "../src/index.js";
import type { ExploreData } from "../src/host/explorations.js";
import { explored, ran } from "./worker-jobs.js";
import { judge, propertyFails, propertyHolds, scheduled } from "../docs/components/explore-view.js";
import { COST_MAX_PAGES, kernelReports, LEAF_PAGES, lockHolds, VMA_MAX_PAGES, sigbus, takesDeviceMemory, VFIO_DESIGNS, walkCost, walkScenario, withDesign, withEnable, withOtherThread } from "../docs/components/vfio-designs.js";

const data = (name: string) => JSON.parse(readFileSync(`data/${name}.json`, "utf8")) as ScenarioSpec;
const access = data("vfio-bar-access-vs-disable-v5.9");
const letter = (d: ExploreData) => ({ held: "H", broken: "B", "not established": "?" })[judge(d, propertyHolds)];
const design = (name: string) => VFIO_DESIGNS.find((d) => d.name.startsWith(name))!;

describe("/vfio: an access against a disable or a reset, per design", () => {
  // One letter per design, in VFIO_DESIGNS order: before v5.8 (no zap: the access reads the disabled BAR), v5.8 (the remap after
  // vma_lock is dropped escapes the zap, v5.8.18 vfio_pci_mmap_fault), v5.13 (6a45ece4c9af: vma_lock across the remap), Yan Zhao
  // 2023 (the same body under mmap_lock for write), Jason 2024 (SIGBUS on fault, memory_lock write before unmap_mapping_range),
  // v6.10 (aac6db75a9fc: memory_lock write before unmap_mapping_range, insert and prefault under read), v6.12 (the same with
  // huge_fault).
  for (const [other, expected] of [["disable", "BBHHHHH"], ["reset", "BBHHHHH"]] as const) {
    it(`the other thread ${other === "disable" ? "clears PCI_COMMAND_MEMORY" : "resets the device"}: ${expected}`, () => {
      const specs = VFIO_DESIGNS.map((d) => withDesign(withOtherThread(access, other), d));
      assert.equal(explored(specs).map(letter).join(""), expected);
    });
  }

  it("replaying every outcome: v5.13's remap under mmap_lock for read WARNs (vm_flags_set, bc292ab00f6c); Yan Zhao's patch and v6.10 do not; some outcome is SIGBUS from v5.8 on", () => {
    const reports = (name: string) => {
      const spec = withDesign(access, design(name));
      const runs = ran(explored([spec])[0]!.outcomes.map((o) => scheduled(spec, o)));
      return { lines: [...new Set(runs.flatMap(kernelReports))], sigbus: runs.some(sigbus) };
    };
    const v513 = reports("v5.13");
    assert.deepEqual(v513.lines, ["WARNING: guest: mmap_assert_write_locked(mmap_lock) from remap_pfn_range: held for read where write is required"]);
    assert.deepEqual(reports("Yan Zhao").lines, []);
    assert.deepEqual(reports("v6.12").lines, []);
    for (const name of ["v5.8", "v5.13", "Yan Zhao", "Jason", "v6.12"]) assert.equal(reports(name).sigbus, true, name);
    assert.equal(reports("before v5.8").sigbus, false);
  });

  it("Jason's remap on enable against a BAR mmap: lockdep reports memory_lock -> mmap_lock against mmap_lock -> memory_lock", () => {
    const spec: ScenarioSpec = withDesign(
      {
        title: "enable vs mmap",
        mm: { devices: [{ name: "gpu", bars: [{ pages: 4 }, { pages: 2 }], memory: false }], vmas: [{ name: "bar", kind: "vfio-bar", device: "gpu", bar: 0, pages: 4 }, { name: "late", kind: "vfio-bar", device: "gpu", bar: 1, pages: 2, deferred: true }] },
        tasks: [{ name: "T", ops: [{ op: "vfio_pci_config_write", device: "gpu", memory: true }, { op: "mmap", vma: "late" }] }],
      },
      design("Jason"),
    );
    assert.match(kernelReports(ran([spec])[0]!).join("\n"), /possible circular locking dependency: T acquires &vdev->memory_lock while holding mmap_lock/);
  });

  it("the window cell turned around (withEnable): remap on enable takes mmap_lock under memory_lock, ->mmap the reverse: lockdep reports it; v6.10 takes no mmap_lock on enable", () => {
    const spec = withEnable(data("vfio-remap-on-enable-mmap-window"));
    const reports = (name: string) => {
      const s = withDesign(spec, design(name));
      return [...new Set(ran(explored([s])[0]!.outcomes.map((o) => scheduled(s, o))).flatMap(kernelReports))].join("\n");
    };
    assert.match(reports("Jason"), /possible circular locking dependency: vmm acquires mmap_lock while holding &vdev->memory_lock/);
    assert.equal(reports("v6.12"), "");
  });

  it("withOtherThread swaps a disable for a reset and back; a scenario without either is refused by the cell", () => {
    const reset = withOtherThread(access, "reset");
    assert.deepEqual(reset.tasks[1]!.ops, [{ op: "vfio_device_reset", device: "gpu" }]);
    assert.deepEqual(withOtherThread(reset, "disable").tasks[1]!.ops, access.tasks[1]!.ops);
    assert.equal(takesDeviceMemory({ ...access, tasks: [access.tasks[0]!] }), false);
  });

  it("judge: a never-property breaks where it is true, a guarantee where it is false", () => {
    const [d] = explored([withDesign(access, design("v5.8"))]);
    assert.equal(judge(d!, propertyHolds), "broken");
    assert.equal(judge(d!, propertyFails), "broken", "v5.8 also has schedules where the access is SIGBUS");
    const [held] = explored([withDesign(access, design("v6.12"))]);
    assert.deepEqual([judge(held!, propertyHolds), judge(held!, propertyFails)], ["held", "broken"]);
  });
});

describe("/vfio: Jason's call_mmap()/vma_link_file() window", () => {
  it("found under remap on enable, not in v6.10's fault-only population (the two data/ files differ only by the patch)", () => {
    const window = data("vfio-remap-on-enable-mmap-window");
    const designs = VFIO_DESIGNS.filter((d) => d.profile === "v6.12");
    assert.deepEqual(explored(designs.map((d) => withDesign(window, d))).map(letter), ["B", "H"]);
    const faultOnly = data("vfio-fault-only-mmap-window-v6.12");
    const run = (s: ScenarioSpec) => ({ profile: s.profile, patches: s.patches, mm: s.mm, tasks: s.tasks, interleave: s.interleave, exists: s.property?.exists });
    assert.deepEqual(run(withDesign(window, design("v6.12"))), run(faultOnly));
  });
});

describe("/vfio: the cost of walking a BAR", () => {
  const cost = (name: string, pages: number, maps: number) => walkCost(ran([walkScenario(design(name), pages, maps, { pteNs: 10 })])[0]!)!;

  it("one fault per mapping maps the whole VMA (v5.8 remap_pfn_range); remap on enable maps at mmap and never faults; v6.12 faults per page, or once per PMD leaf where a 2 MiB entry fits (f9e54c3a2f5b)", () => {
    for (const name of ["v5.8", "v5.13", "Yan Zhao"]) assert.deepEqual([cost(name, 64, 2).faults, cost(name, 64, 2).entries], [2, 128], name);
    assert.deepEqual([cost("Jason", 64, 2).faults, cost("Jason", 64, 2).entries], [0, 128]);
    assert.deepEqual([cost("v6.12", 64, 2).faults, cost("v6.12", 64, 2).entries], [128, 128]);
    assert.deepEqual([cost("v6.12", 512, 1).faults, cost("v6.12", 512, 1).entries], [1, 1]);
  });

  it("the first access waits for the whole VMA's entries where the fault remaps it all; four mappings remap side by side under memory_lock for read (v5.8), one after another under vma_lock (v5.13) or mmap_lock for write (Jason's ->mmap); v6.12's first access waits for one entry", () => {
    assert.equal(cost("v5.8", 256, 1).firstAccessNs, 2560);
    assert.equal(cost("v6.12", 256, 1).firstAccessNs, 10);
    assert.equal(cost("v5.8", 256, 4).walkNs, 2560);
    for (const name of ["v5.13", "Jason"]) assert.equal(cost(name, 256, 4).walkNs, 4 * 2560, name);
  });

  it("with a trap per fault (mm.faultNs), v6.10's prefault (d71a989cf5d9) walks a 64-page BAR in one trap, v6.12 without it in 64: its faults cost what the prefault saves", () => {
    const traps = (name: string) => walkCost(ran([walkScenario(design(name), 64, 1, { pteNs: 10, faultNs: 1000 })])[0]!)!;
    assert.deepEqual([traps("v6.10").faults, traps("v6.10").walkNs], [1, 1000 + 64 * 10]);
    assert.deepEqual([traps("v6.12").faults, traps("v6.12").walkNs], [64, 64 * (1000 + 10)]);
  });

  it("a memory disable after the walks zaps every entry they left, zapNs each: under memory_lock for write from v6.10 (aac6db75a9fc), before taking it (under vma_lock and mmap_lock) until then; v6.12's one PMD leaf for a 2 MiB BAR", () => {
    const disabled = (name: string, pages: number, maps: number) => walkCost(ran([walkScenario(design(name), pages, maps, { pteNs: 10, zapNs: 5 }, { disable: true })])[0]!)!;
    const zap = (c: ReturnType<typeof disabled>) => [c.zapped, c.disableNs, c.disableHoldNs];
    for (const name of ["Jason", "v6.10", "v6.12"]) assert.deepEqual(zap(disabled(name, 64, 2)), [128, 640, 640], name);
    for (const name of ["v5.8", "v5.13"]) assert.deepEqual(zap(disabled(name, 64, 2)), [128, 640, 0], name);
    assert.deepEqual(zap(disabled("v6.12", 512, 1)), [1, 5, 5]);
    assert.deepEqual([disabled("v6.10", 512, 1).zapped, cost("v6.10", 512, 1).zapped], [512, 0], "no disable, nothing zapped");
  });

  it("forked walkers each keep only their own BAR: the parents share one mm, so a child forked after the other parents' mmaps drops the copies it inherited of their BARs (remap on enable populates them at ->mmap and copy_page_range() copies them); the disable zaps each parent's mapping and its child's, no more", () => {
    const zapped = (maps: number) => walkCost(ran([walkScenario(design("Jason"), 16, maps, { pteNs: 10 }, { walkers: "processes", disable: true })])[0]!)!.zapped;
    assert.deepEqual([zapped(1), zapped(3)], [2 * 16, 2 * 3 * 16]);
    assert.equal(cost2("v5.13", 256, 2, "processes").walkNs, 5120);
  });

  it("every option at once keeps the title within the scenario format's 120 characters: Yan Zhao's patch, forked walkers, a stride and a disable run", () => {
    const spec = walkScenario(design("Yan Zhao"), 1027, 3, { pteNs: 10 }, { walkers: "processes", stride: 512, disable: true });
    assert.ok(spec.title.length <= 120, spec.title);
    assert.match(spec.title, /, v6\.4 \+ vfio-pci-fault-mmap-write-lock$/);
    assert.equal(walkCost(ran([spec])[0]!)!.faults, 3);
  });

  it("refuses a walk past the page's cap (loads per mapping) and a BAR past the scenario format's VMA limits", () => {
    assert.throws(() => walkScenario(design("v6.12"), COST_MAX_PAGES * 2, 1, { pteNs: 10 }), /past the 8192/);
    assert.doesNotThrow(() => walkScenario(design("v6.12"), COST_MAX_PAGES * 2, 1, { pteNs: 10 }, { stride: 2 }));
    assert.throws(() => walkScenario(design("v6.12"), VMA_MAX_PAGES * 2, 1, { pteNs: 10 }, { stride: 512 }), /past the scenario format's 1048576 pages per VMA and 2097152 in all/);
    assert.throws(() => walkScenario(design("v6.12"), VMA_MAX_PAGES, 4, { pteNs: 10 }, { stride: 512 }), /4 x 1048576 pages/);
  });
});

describe("/vfio: lock hold times of a walk", () => {
  const locks = (name: string, pages: number, maps: number, walkers: "threads" | "processes" = "threads") => {
    const run = ran([walkScenario(design(name), pages, maps, { pteNs: 10 }, { walkers })])[0]!;
    return { ...walkCost(run)!.locks, names: [...new Set(run.result.trace.filter((e) => e.ev === "lock_acquire").map((e) => String(e.args?.lock)))] };
  };

  it("v5.8 drops vma_lock before remap_pfn_range() (11c4cd07ba11, v5.8.18 vfio_pci_mmap_fault), v5.13 holds it across (6a45ece4c9af): the longest vma_lock hold is 0 against the whole VMA's entries", () => {
    assert.equal(locks("v5.8", 256, 1).vma_lock.longestNs, 0);
    assert.equal(locks("v5.8", 256, 1).vma_lock.holds, 1);
    assert.equal(locks("v5.13", 256, 1).vma_lock.longestNs, 2560);
  });

  it("memory_lock for read across the whole remap where the fault maps the VMA (v5.8..v5.13), across one entry per fault in v6.12's huge_fault (f9e54c3a2f5b): longest 10 ns, total one hold per entry", () => {
    for (const name of ["v5.8", "v5.13", "Yan Zhao"]) assert.equal(locks(name, 256, 1).memory_lock.longestNs, 2560, name);
    const v612 = locks("v6.12", 256, 1);
    assert.deepEqual([v612.memory_lock.longestNs, v612.memory_lock.totalNs, v612.memory_lock.holds], [10, 2560, 256]);
    // A PTE fault's ->fault retries under mmap_lock (vmf_can_call_fault, v6.7: vfio's ops have no ->map_pages); a PMD leaf's huge_fault runs under the VMA lock.
    assert.deepEqual([v612.mmap_lock.longestNs, v612.mmap_lock.totalNs, v612.vm_lock.totalNs], [10, 2560, 0]);
    const pmd = locks("v6.12", 512, 1);
    assert.deepEqual([pmd.mmap_lock.totalNs, pmd.vm_lock.totalNs], [0, 10]);
  });

  it("a contended hold starts when the lock is acquired, not when it was asked for; holds nest per task and lock", () => {
    const ev = (t: number, task: string, e: string, lock: string) => ({ t, task, ev: e, fn: "x", args: { lock } });
    const trace = [ev(0, "A", "lock_acquire", "gpu.memory_lock"), ev(0, "B", "lock_acquire", "gpu.memory_lock"), ev(0, "B", "lock_contended", "gpu.memory_lock"), ev(5, "A", "lock_release", "gpu.memory_lock"), ev(5, "B", "lock_acquired", "gpu.memory_lock"), ev(7, "B", "lock_release", "gpu.memory_lock"), ev(1, "A", "lock_acquire", "mmap_lock:child"), ev(2, "A", "lock_release", "mmap_lock:child")];
    const holds = lockHolds(trace as Parameters<typeof lockHolds>[0]);
    assert.deepEqual(holds.memory_lock, { longestNs: 5, totalNs: 7, holds: 2 });
    assert.deepEqual(holds.mmap_lock, { longestNs: 1, totalNs: 1, holds: 1 });
  });

  it("forked walkers each take their own mm's mmap_lock (dup_mmap), but vfio's vma_lock is the device's: v5.13 still remaps one process after another, v5.8 side by side", () => {
    assert.ok(locks("v5.8", 16, 2, "processes").names.includes("mmap_lock:walker1"));
    assert.equal(cost2("v5.8", 256, 2, "processes").walkNs, 2560);
    assert.equal(cost2("v5.13", 256, 2, "processes").walkNs, 5120);
  });
});

const cost2 = (name: string, pages: number, maps: number, walkers: "threads" | "processes", stride = 1) => walkCost(ran([walkScenario(design(name), pages, maps, { pteNs: 10 }, { walkers, stride })])[0]!)!;

describe("/vfio: PTE, PMD and PUD entries up to the scenario format's 4 GiB", () => {
  const shape = (c: ReturnType<typeof cost2>) => [c.faults, c.pte, c.pmd, c.pud, c.mappedPages];

  it("where the entries written map every page (the whole-VMA remap, or v6.12's huge leaves), a load every 512 pages takes the faults, writes the entries and ends when a load of every page does", () => {
    const full = (c: ReturnType<typeof cost2>) => [...shape(c), c.walkNs];
    for (const d of VFIO_DESIGNS.filter((x) => x.costs)) assert.deepEqual(full(cost2(d.name, 1024, 1, "threads", 512)), full(cost2(d.name, 1024, 1, "threads")), d.name);
    assert.deepEqual(shape(cost2("v6.12", 1024, 1, "threads")), [2, 0, 2, 0, 1024]);
  });

  it("get_unmapped_area() places the first BAR at 256 MiB and the next 16 pages after the previous one: the second mapping's head and tail fall back to PTEs (VM_FAULT_FALLBACK on a misaligned address)", () => {
    const c = cost2("v6.12", 1024, 2, "threads");
    assert.deepEqual(shape(c), [2 + 513, 512, 3, 0, 2048]);
  });

  it("a 4 GiB BAR at 256 MiB: 384 PMD leaves up to 1 GiB, three PUD leaves (vmf_insert_pfn_pud, x86-64), 128 PMD leaves after 4 GiB", () => {
    assert.deepEqual(shape(cost2("v6.12", VMA_MAX_PAGES, 1, "threads", LEAF_PAGES.pmd)), [515, 0, 512, 3, VMA_MAX_PAGES]);
  });
});
