// vfio-pci BAR mappings (drivers/vfio/pci/vfio_pci_core.c, vfio_pci.c before
// v5.15) per design, as the profiles carry them: v4.15 maps at mmap
// (pre-11c4cd07ba11 vfio_pci_mmap()), v5.9 the v5.8 vma_list design
// (11c4cd07ba11, abafbc551fdd; v5.8.18 copy), v6.4 the 6a45ece4c9af form
// (v5.13; v6.2..v6.4 copy), v6.10 the unmap_mapping_range() design
// (aac6db75a9fc, d71a989cf5d9; stable-6.6 backport diffs), v6.12 its
// huge_fault (f9e54c3a2f5b). Each row names its source; the
// facts are from those copies and /work/facts-vfio.md's table.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explore } from "../src/explore/explore.js";
import { normalizeScenario, runScenario, type ScenarioRun } from "../src/scenario/index.js";
import type { OpSpec, ScenarioSpec } from "../src/scenario/schema.js";
import { checkedRun } from "./checked-run.js";
import { profile, type Behaviour } from "../src/profiles/index.js";

const DEVICE = [{ name: "gpu", bars: [{ pages: 8 }, { pages: 4 }] }];
const BAR: NonNullable<ScenarioSpec["mm"]>["vmas"] = [{ name: "bar", kind: "vfio-bar", device: "gpu", bar: 0, pages: 4 }];
const spec = (ops: OpSpec[], vmas = BAR, others: ScenarioSpec["tasks"] = []): ScenarioSpec => ({ title: "vfio", mm: { devices: DEVICE, vmas }, tasks: [{ name: "T", ops }, ...others] });
const checked = (s: ScenarioSpec, p: string) => checkedRun(s, p);
const run = (ops: OpSpec[], p: string, vmas = BAR) => checked(spec(ops, vmas), p);
const events = (r: ScenarioRun, ev: string, fn?: string) => r.result.trace.filter((e) => e.ev === ev && (fn === undefined || e.fn === fn));
const rets = (r: ScenarioRun, fn: string) => events(r, "call", fn).map((e) => e.ret);
const ptesOf = (r: ScenarioRun, vma = "bar") => r.final!.vmas.find((v) => v.name === vma)!.ptes;
const load = (page: number, vma = "bar"): OpSpec => ({ op: "load", vma, page });
const disable: OpSpec = { op: "vfio_pci_config_write", device: "gpu", memory: false };
const enable: OpSpec = { op: "vfio_pci_config_write", device: "gpu", memory: true };

describe("vfio-pci BAR mmap: what is mapped when", () => {
  it("v4.15 (vfio_pci_mmap() before 11c4cd07ba11): every page of the VMA is a raw pfn from mmap on, and no fault is taken", () => {
    const r = run([load(2)], "v4.15");
    assert.equal(ptesOf(r).length, 4);
    assert.equal(events(r, "vfio_fault").length, 0);
  });

  it("v5.9 and v6.4 (vfio_pci_mmap_fault, 11c4cd07ba11): mmap maps nothing, the first fault remaps the whole VMA (4 entries, remap_pfn_range)", () => {
    for (const p of ["v5.9", "v6.4"]) {
      const r = run([load(2)], p);
      assert.deepEqual(events(r, "vfio_fault").map((e) => e.args!.ptes), [4], p);
      assert.equal(ptesOf(r).length, 4, p);
    }
  });

  it("v6.10 (aac6db75a9fc + d71a989cf5d9): vmf_insert_pfn() of the faulting page, then the prefault of the rest: one fault, 4 entries", () => {
    const r = run([load(2), load(0)], "v6.10");
    assert.deepEqual(events(r, "vfio_fault").map((e) => e.args!.ptes), [4]);
    assert.deepEqual(ptesOf(r).map((p) => p.kind), ["pfn", "pfn", "pfn", "pfn"]);
  });

  it("the pfn a page maps is the BAR's start plus the page's offset into the BAR (vma_to_pfn(), aac6db75a9fc; vm_pgoff = pfn before)", () => {
    const vmas: NonNullable<ScenarioSpec["mm"]>["vmas"] = [{ name: "b1", kind: "vfio-bar", device: "gpu", bar: 1, offset: 1, pages: 2 }];
    for (const p of ["v4.15", "v5.9", "v6.12"]) {
      const r = run([load(1, "b1")], p, vmas);
      // BAR0 (8 pages) at 1 TiB, BAR1 (4 pages) aligned to 4 pages after it: 2^28 + 8, offset 1, page 1.
      const pte = ptesOf(r, "b1").find((x) => x.page === 1)!;
      assert.equal(pte.kind === "pfn" && pte.pfn, 2 ** 28 + 8 + 2, p);
    }
  });

  it("vm_flags: VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP on every design (set in ->mmap from 11c4cd07ba11: 'we can't change vm_flags within the fault handler')", () => {
    for (const p of ["v4.15", "v5.9", "v6.4", "v6.12"]) {
      const flags = run([], p).final!.vmas[0]!.vm_flags.split("|");
      for (const f of ["VM_IO", "VM_PFNMAP", "VM_DONTEXPAND", "VM_DONTDUMP", "VM_SHARED"]) assert.ok(flags.includes(f), `${p}: ${f}`);
    }
  });
});

describe("memory disable (PCI_COMMAND write without PCI_COMMAND_MEMORY, vfio_basic_config_write)", () => {
  it("v4.15: nothing is zapped and the access reaches the device with memory disabled (CVE-2020-12888: all ones read)", () => {
    const r = run([load(0), disable, load(1)], "v4.15");
    assert.equal(events(r, "pci_mmio_disabled").length, 1);
    assert.deepEqual(rets(r, "load"), [0, 0xffffffff]);
  });

  it("v5.9, v6.4, v6.10: the BAR's entries are zapped before memory_lock is taken for write (abafbc551fdd, aac6db75a9fc) and the next access is SIGBUS", () => {
    for (const p of ["v5.9", "v6.4", "v6.10"]) {
      const r = run([load(0), disable, load(1)], p);
      assert.deepEqual(events(r, "zap").map((e) => e.args!.cleared), [4], p);
      assert.deepEqual(rets(r, "load"), [0, "VM_FAULT_SIGBUS"], p);
      assert.equal(events(r, "pci_mmio_disabled").length, 0, p);
      assert.equal(ptesOf(r).length, 0, p);
    }
  });

  it("enable again: no remap on enable (the mappings come back by fault), and what was stored is read back", () => {
    for (const p of ["v5.9", "v6.10"]) {
      const r = run([{ op: "store", vma: "bar", page: 1, value: 9 }, disable, enable, load(1)], p);
      assert.deepEqual(rets(r, "load"), [9], p);
      assert.equal(events(r, "vfio_fault").length, 2, p);
    }
  });

  it("v5.9: the zap loop holds each listed mm with mmget_not_zero() and drops it with mmput() (vfio_pci_zap_and_vma_lock, abafbc551fdd): a child that exits after the zap still tears its address space down", () => {
    const child: OpSpec = { op: "fork", child: { name: "C", ops: [load(3), { op: "sleep", ns: 1000 }, { op: "exit" }] as never[] } };
    const r = checkedRun({ ...spec([]), tasks: [{ name: "T", ops: [child, { op: "sleep", ns: 100 }, disable, { op: "sleep", ns: 2000 }] }] }, "v5.9");
    assert.deepEqual(events(r, "zap").filter((e) => e.args!.cleared).map((e) => [e.task, e.args!.cleared]), [["T", 4]], "the child's listed VMA, zapped by the parent");
    assert.equal(r.final!.children[0]!.vmas.length, 0, "exit_mmap ran at the child's exit");
  });

  it("v6.10: unmap_mapping_range() zaps every mapping of the device through its inode's i_mmap, a forked child's too (b7c5e64fecfa: one inode per device)", () => {
    const child: OpSpec = { op: "fork", child: { name: "C", ops: [{ op: "sleep", ns: 10 }, load(3)] as never[] } };
    const r = checked({ ...spec([load(0), child, disable]), tasks: [{ name: "T", ops: [load(0), child, disable] }] }, "v6.10");
    assert.deepEqual(events(r, "zap").map((e) => [e.task, e.args!.cleared]), [["T", 4], ["T", 4]], "the parent's and the child's VMA");
    assert.deepEqual(rets(r, "load"), [0, "VM_FAULT_SIGBUS"]);
  });

  it("v5.9: fork's ->open (vfio_pci_mmap_open) zaps the child's copy, which is on no vma_list, so it refaults: 'our vma_list only tracks mappings accessed since last zap'", () => {
    const child: OpSpec = { op: "fork", child: { name: "C", ops: [load(3)] as never[] } };
    const r = checkedRun({ ...spec([]), tasks: [{ name: "T", ops: [load(0), child] }] }, "v5.9");
    assert.deepEqual(events(r, "vfio_fault").map((e) => e.task), ["T", "C"]);
  });
});

describe("costs: a fault's trap (mm.faultNs), the entries written (pteNs) and cleared (zapNs)", () => {
  const costed = (ops: OpSpec[], p: string, costs: { faultNs?: number; pteNs?: number; zapNs?: number }) => {
    const { faultNs, ...device } = costs;
    return checked({ title: "vfio costs", mm: { devices: [{ ...DEVICE[0]!, ...device }], vmas: BAR, ...(faultNs === undefined ? {} : { faultNs }) }, tasks: [{ name: "T", ops }] }, p);
  };
  const walk = [load(0), load(1), load(2), load(3)];

  it("every fault's trap is charged once, before its locks (exc_page_fault): v6.12 takes a fault per page of a 4-page BAR, v6.10's prefault one (d71a989cf5d9: the faults the prefault saves)", () => {
    for (const [p, faults] of [["v6.12", 4], ["v6.10", 1]] as const) {
      const r = costed(walk, p, { faultNs: 1000, pteNs: 10 });
      assert.equal(events(r, "cpu", "exc_page_fault").length, faults, p);
      assert.equal(r.result.endTime, faults * 1000 + 4 * 10, `${p}: traps plus the four entries written`);
    }
  });

  it("a zap's entries cost zapNs each under memory_lock for write (v6.10 unmap_mapping_range, v5.9 zap_vma_ptes); nothing cleared, nothing charged", () => {
    for (const p of ["v5.9", "v6.10"]) {
      const r = costed([load(0), disable, disable], p, { zapNs: 100 });
      const charged = events(r, "cpu").filter((e) => e.fn === "unmap_mapping_range" || e.fn === "zap_vma_ptes");
      assert.deepEqual(charged.map((e) => [e.args!.entries, e.args!.ns]), [[4, 400]], p);
    }
  });

  it("without faultNs and zapNs nothing is charged and no event is added (the default)", () => {
    const r = costed([load(0), disable], "v6.10", {});
    assert.equal(events(r, "cpu", "exc_page_fault").length + events(r, "cpu", "unmap_mapping_range").length, 0);
  });
});

describe("VFIO_DEVICE_RESET (vfio_pci_ioctl_reset)", () => {
  it("v5.8+: zap and memory_lock for write across pci_try_reset_function(); an access meanwhile waits in the fault and maps after the reset", () => {
    const other: ScenarioSpec["tasks"] = [{ name: "U", ops: [{ op: "sleep", ns: 1000 }, load(2)] }];
    for (const p of ["v5.9", "v6.12"]) {
      const r = checkedRun(spec([load(0), { op: "vfio_device_reset", device: "gpu" }], BAR, other), p);
      assert.deepEqual(rets(r, "VFIO_DEVICE_RESET"), ["0"], p);
      assert.deepEqual(events(r, "call", "load").map((e) => [e.task, e.ret, e.t]), [["T", 0, 0], ["U", 0, 100_000_000]], p);
      assert.equal(events(r, "pci_mmio_disabled").length, 0, p);
    }
  });

  it("v4.15: no lock, no zap: an access during the reset reaches the device while its memory decode is off", () => {
    const other: ScenarioSpec["tasks"] = [{ name: "U", ops: [{ op: "sleep", ns: 1000 }, load(2)] }];
    const r = checkedRun(spec([load(0), { op: "vfio_device_reset", device: "gpu" }], BAR, other), "v4.15");
    assert.equal(events(r, "pci_mmio_disabled").length, 1);
  });
});

describe("locks: mmap_lock, vma_lock, memory_lock, and the WARN of vm_flags_set()", () => {
  it("v5.9/v6.4: the fault and the zap both take mmap_lock -> vma_lock -> memory_lock (the order vfio_pci_zap_and_vma_lock() documents): lockdep sees no inversion", () => {
    for (const p of ["v5.9", "v6.4"]) {
      const r = run([load(0), disable, enable, load(1)], p);
      const order = events(r, "lock_acquire").map((e) => String(e.args!.lock).replace(/^gpu\./, ""));
      assert.deepEqual(order.slice(0, 3), ["mmap_lock", "vma_lock", "memory_lock"], p);
      assert.deepEqual(r.result.inversions, [], p);
    }
  });

  it("v6.4: remap_pfn_range() from the fault under mmap_lock for read WARNs in vm_flags_set() (bc292ab00f6c); v5.9 predates the assertion; v6.12 no longer remaps from the fault", () => {
    const warns = (p: string) => events(run([load(0)], p), "WARN", "mmap_assert_write_locked").map((e) => [e.args!.held, e.ret]);
    assert.deepEqual(warns("v6.4"), [["read", "held for read where write is required"]]);
    assert.deepEqual(warns("v5.9"), []);
    assert.deepEqual(warns("v6.12"), []);
  });

  it("v6.12: the zap takes no mmap_lock and no vma_lock: memory_lock for write, then the device inode's i_mmap_rwsem (aac6db75a9fc)", () => {
    const r = run([load(0), disable], "v6.12");
    const zapLocks = events(r, "lock_acquire").filter((e) => e.fn === "down_write" || String(e.args!.lock).includes("i_mmap")).map((e) => e.args!.lock);
    assert.deepEqual(zapLocks, ["gpu.memory_lock", "gpu.i_mmap_rwsem"]);
    assert.ok(!events(r, "lock_acquire").some((e) => String(e.args!.lock).includes("vma_lock")));
  });
});

describe("races the explorer finds (data/vfio-bar-access-vs-disable-*.json)", () => {
  const race = (profile: string): ScenarioSpec => ({
    title: "access vs disable",
    profile,
    interleave: "any",
    mm: { devices: DEVICE, vmas: BAR },
    tasks: [
      { name: "guest", ops: [{ op: "store", vma: "bar", page: 0, value: 1 }, { op: "cpu", ns: 1000 }, load(1)] },
      { name: "vmm", ops: [disable] },
    ],
    property: { exists: { event: { ev: "pci_mmio_disabled" } }, verdict: "never", seeds: { from: 0, count: 1 } },
  });

  it("v5.9 (v5.8 as merged): a disable whose zap runs while the fault remaps after dropping vma_lock leaves the VMA mapped and unlisted: an access reaches disabled MMIO", () => {
    const v = explore(normalizeScenario(race("v5.9"))).verdict!;
    assert.deepEqual([v.found, v.exhaustive], ["sometimes", true]);
  });

  it("v6.4 (6a45ece4c9af holds vma_lock across the remap) and v6.12 (memory_lock write before unmap_mapping_range): never", () => {
    for (const p of ["v6.4", "v6.12"]) {
      const v = explore(normalizeScenario(race(p))).verdict!;
      assert.deepEqual([v.found, v.exhaustive], ["never", true], p);
    }
  });

  it("v5.9: two threads faulting the same VMA at once: the second remap_pfn_range() finds the first's entries, BUG_ON(!pte_none) (the v5.11-rc3 trace in 6a45ece4c9af); v6.4 checks vma_list first", () => {
    const two = (profile: string): ScenarioSpec => ({
      title: "concurrent faults",
      profile,
      interleave: "any",
      mm: { devices: DEVICE, vmas: BAR },
      tasks: [{ name: "A", ops: [load(0)] }, { name: "B", ops: [load(1)] }],
      property: { exists: { status: "error" }, verdict: "never", seeds: { from: 0, count: 1 } },
    });
    assert.equal(explore(normalizeScenario(two("v5.9"))).verdict!.found, "sometimes");
    assert.equal(explore(normalizeScenario(two("v6.4"))).verdict!.found, "never");
  });
});

describe("power states: D3hot through PCI_PM_CTRL (vfio_pm_config_write) and runtime PM's low-power feature", () => {
  const d3hot: OpSpec = { op: "vfio_pm_config_write", device: "gpu", state: "D3hot" };
  const d0: OpSpec = { op: "vfio_pm_config_write", device: "gpu", state: "D0" };
  const entry: OpSpec = { op: "vfio_device_feature_low_power_entry", device: "gpu" };
  const exit: OpSpec = { op: "vfio_device_feature_low_power_exit", device: "gpu" };

  it("v6.4, v6.12 (2b2c651baf1c, v5.19): entering D3hot zaps the BAR under memory_lock for write (vfio_lock_and_set_power_state), the next access is SIGBUS (__vfio_pci_memory_enabled: current_state >= PCI_D3hot), back in D0 it faults in again", () => {
    for (const p of ["v6.4", "v6.12"]) {
      const r = run([load(0), d3hot, load(1), d0, load(2)], p);
      // The 6a45ece4c9af fault mapped the whole VMA, v6.12's huge_fault the one page.
      assert.deepEqual(events(r, "zap").map((e) => e.args!.cleared), [p === "v6.4" ? 4 : 1], p);
      assert.deepEqual(rets(r, "load"), [0, "VM_FAULT_SIGBUS", 0], p);
      assert.equal(events(r, "pci_mmio_disabled").length, 0, p);
    }
  });

  it("VFIO_DEVICE_RESET in D3hot brings the function to D0 (pci_dev_save_and_disable(): \"PM registers default to D0 after reset\", pci_set_power_state(dev, PCI_D0)): the next access faults the BAR back in (v6.4, v6.12) or reaches a decoding device (v5.9)", () => {
    const reset: OpSpec = { op: "vfio_device_reset", device: "gpu" };
    for (const p of ["v5.9", "v6.4", "v6.12"]) {
      const r = run([load(0), d3hot, reset, load(1)], p);
      assert.deepEqual(rets(r, "load"), [0, 0], p);
      assert.equal(events(r, "pci_mmio_disabled").length, 0, p);
    }
  });

  it("v5.9 (before 2b2c651baf1c): the PMCSR write zaps nothing and the mapped BAR reaches the device in D3hot, which does not claim it (PCIe r5 5.3.1.4.1: Unsupported Request, all ones read)", () => {
    const r = run([load(0), d3hot, load(1)], "v5.9");
    assert.equal(events(r, "zap").length, 0);
    assert.deepEqual(rets(r, "load"), [0, 0xffffffff]);
    assert.equal(events(r, "pci_mmio_disabled").length, 1);
  });

  it("v6.4, v6.12: a pread of the BAR in D3hot is -EIO (vfio_pci_bar_rw checks __vfio_pci_memory_enabled(), 2b2c651baf1c)", () => {
    const vmas: NonNullable<ScenarioSpec["mm"]>["vmas"] = [...BAR, { name: "buf", kind: "anon", pages: 1 }];
    for (const p of ["v6.4", "v6.12"]) {
      const r = run([d3hot, { op: "vfio_pci_bar_read", device: "gpu", bar: 0, offset: 0, vma: "buf", page: 0 }], p, vmas);
      assert.deepEqual(rets(r, "vfio_pci_bar_rw"), ["-EIO"], p);
    }
  });

  it("v6.4, v6.12 (cc2742fe3660, v6.1): LOW_POWER_ENTRY zaps and sets pm_runtime_engaged, the fault is SIGBUS while engaged, a second entry is -EINVAL, LOW_POWER_EXIT lets the next fault map again", () => {
    for (const p of ["v6.4", "v6.12"]) {
      const r = run([load(0), entry, load(1), entry, exit, load(2)], p);
      assert.deepEqual(events(r, "zap").map((e) => e.args!.cleared), p === "v6.4" ? [4] : [1, 0], p);
      assert.deepEqual(rets(r, "VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY"), ["0", "-EINVAL"], p);
      assert.deepEqual(rets(r, "load"), [0, "VM_FAULT_SIGBUS", 0], p);
      assert.equal(events(r, "pci_mmio_disabled").length, 0, p);
    }
  });

  it("v6.12: while engaged a pread of the BAR still reads the device (vfio_pci_rw resumes it around the access: pm_runtime_resume_and_get, cc2742fe3660), and the feature stays engaged", () => {
    const vmas: NonNullable<ScenarioSpec["mm"]>["vmas"] = [...BAR, { name: "buf", kind: "anon", pages: 1 }];
    const r = run([entry, { op: "vfio_pci_bar_read", device: "gpu", bar: 0, offset: 0, vma: "buf", page: 0 }, load(0)], "v6.12", vmas);
    assert.deepEqual(rets(r, "vfio_pci_bar_rw"), [4]);
    assert.deepEqual(rets(r, "load"), ["VM_FAULT_SIGBUS"]);
  });

  it("v5.9 has no low-power feature: the run stops with an error naming cc2742fe3660", () => {
    const r = runScenario({ ...spec([entry]), profile: "v5.9" });
    assert.equal(r.result.status, "error");
    assert.match(r.result.error!.message, /LOW_POWER_ENTRY\/EXIT do not exist before v6\.1 \(cc2742fe3660/);
  });
});

describe("SR-IOV VFs (pdev->is_virtfn; the PF's SR-IOV Control, drivers/pci/iov.c)", () => {
  const SRIOV = [{ name: "pf", bars: [{ pages: 4 }] }, { name: "vf", physfn: "pf", bars: [{ pages: 4 }] }];
  const VF_BAR: NonNullable<ScenarioSpec["mm"]>["vmas"] = [{ name: "vfbar", kind: "vfio-bar", device: "vf", bar: 0, pages: 2 }];
  const sriov = (tasks: ScenarioSpec["tasks"], p: string, extra: Partial<ScenarioSpec> = {}): ScenarioSpec => ({ title: "sriov", profile: p, mm: { devices: SRIOV, vmas: VF_BAR }, tasks, ...extra });
  const pfReset: OpSpec = { op: "vfio_device_reset", device: "pf" };

  it("a VF's command register has PCI_COMMAND_MEMORY hardwired to 0, yet its BAR faults in and is decoded; clearing the VF's virtual memory bit zaps, but the next fault maps again: 'no need however to ever fault a user on a VF' (__vfio_pci_memory_enabled: pdev->is_virtfn, ebfa440ce38b, v5.8-rc3)", () => {
    const vfDisable: OpSpec = { op: "vfio_pci_config_write", device: "vf", memory: false };
    for (const p of ["v5.9", "v6.4", "v6.12"]) {
      const r = checkedRun(sriov([{ name: "T", ops: [{ op: "store", vma: "vfbar", page: 0, value: 7 }, load(0, "vfbar"), vfDisable, load(0, "vfbar")] }], p), p);
      assert.deepEqual(rets(r, "load"), [7, 7], p);
      assert.equal(events(r, "zap").filter((e) => (e.args!.cleared as number) > 0).length, 1, p);
      assert.equal(events(r, "pci_mmio_disabled").length, 0, p);
    }
  });

  it("VFIO_DEVICE_RESET of the PF zaps the PF's mappings only (vfio_pci_ioctl_reset: vfio_pci_zap_and_down_write_memory_lock(vdev)): the VF's entry stays, and a VF access during the PF's FLR reaches a BAR not decoded (SR-IOV 2.2.3: FLR to a PF resets VF Enable and VF MSE)", () => {
    const other: ScenarioSpec["tasks"] = [{ name: "U", ops: [{ op: "sleep", ns: 1000 }, load(1, "vfbar")] }];
    for (const p of ["v5.9", "v6.12"]) {
      const r = checkedRun(sriov([{ name: "T", ops: [load(0, "vfbar"), pfReset] }, ...other], p), p);
      assert.deepEqual(rets(r, "load"), [0, 0xffffffff], p);
      assert.equal(events(r, "pci_mmio_disabled").length, 1, p);
    }
  });

  it("after the PF's reset pci_restore_iov_state() -> sriov_restore_state() writes VF Enable | VF MSE back: the VF's BAR decodes again, with no new fault", () => {
    const r = checkedRun(sriov([{ name: "T", ops: [load(0, "vfbar"), pfReset, load(1, "vfbar")] }], "v6.12"), "v6.12");
    assert.deepEqual(rets(r, "load"), [0, 0]);
    assert.equal(events(r, "pci_mmio_disabled").length, 0);
  });

  it("the explorer finds the VF access inside the PF's reset on v6.12 (data/vfio-vf-access-vs-pf-reset-v6.12.json), which a reset of the VF itself never lets through", () => {
    const guest: ScenarioSpec["tasks"][number] = { name: "guest", ops: [{ op: "store", vma: "vfbar", page: 0, value: 1 }, { op: "cpu", ns: 1000 }, load(0, "vfbar")] };
    const property: ScenarioSpec["property"] = { exists: { event: { ev: "pci_mmio_disabled" } }, verdict: "never", seeds: { from: 0, count: 1 } };
    const verdict = (device: string) => explore(normalizeScenario(sriov([guest, { name: "host", ops: [{ op: "vfio_device_reset", device }] }], "v6.12", { interleave: "any", property }))).verdict!;
    assert.deepEqual([verdict("pf").found, verdict("pf").exhaustive], ["sometimes", true]);
    assert.deepEqual([verdict("vf").found, verdict("vf").exhaustive], ["never", true]);
  });
});

describe("validation", () => {
  const bad = (vmas: unknown, ops: unknown[] = []) => ({ title: "v", mm: { devices: DEVICE, vmas }, tasks: [{ name: "T", ops }] });
  it("names the JSON path of a BAR VMA past its BAR, of an unknown device or BAR, and of vfio fields on another kind", async () => {
    const { validateScenario } = await import("../src/scenario/validate.js");
    const errs = (s: unknown) => {
      const v = validateScenario(s);
      return v.ok ? [] : v.errors.map((e) => `${e.path}: ${e.expected}`);
    };
    assert.match(errs(bad([{ name: "b", kind: "vfio-bar", device: "gpu", bar: 1, pages: 5 }])).join("\n"), /\$\.mm\.vmas\[0\]\.pages: a range within BAR 1's 4 pages/);
    assert.match(errs(bad([{ name: "b", kind: "vfio-bar", device: "gpx", pages: 1 }])).join("\n"), /\$\.mm\.vmas\[0\]\.device: a device declared in \$\.mm\.devices: one of "gpu"/);
    assert.match(errs(bad([{ name: "b", kind: "vfio-bar", device: "gpu", bar: 2, pages: 1 }])).join("\n"), /\$\.mm\.vmas\[0\]\.bar: a BAR of gpu \(0\.\.1\)/);
    assert.match(errs(bad([{ name: "a", kind: "anon", pages: 1, device: "gpu" }])).join("\n"), /\$\.mm\.vmas\[0\]\.device: no device on an anon VMA/);
    assert.match(errs(bad([], [{ op: "vfio_device_reset", device: "nic" }])).join("\n"), /\$\.tasks\[0\]\.ops\[0\]\.device: a device declared in \$\.mm\.devices/);
    assert.match(errs(bad([], [{ op: "vfio_device_feature_low_power_entry", device: "nic" }])).join("\n"), /\$\.tasks\[0\]\.ops\[0\]\.device: a device declared in \$\.mm\.devices/);
  });

  it("names the JSON path of a VF whose physfn is not a PF declared before it, and of memory on a VF", async () => {
    const { validateScenario } = await import("../src/scenario/validate.js");
    const errs = (devices: unknown) => {
      const v = validateScenario({ title: "v", mm: { devices, vmas: [] }, tasks: [{ name: "T", ops: [] }] });
      return v.ok ? "" : v.errors.map((e) => `${e.path}: ${e.expected}`).join("\n");
    };
    const vf = (name: string, physfn: string, more = {}) => ({ name, physfn, bars: [{ pages: 1 }], ...more });
    assert.match(errs([vf("vf", "pf"), { name: "pf", bars: [{ pages: 1 }] }]), /\$\.mm\.devices\[0\]\.physfn: a PF declared before this VF \(not a VF itself\): there is none/);
    assert.match(errs([{ name: "pf", bars: [{ pages: 1 }] }, vf("vf", "pf"), vf("vf2", "vf")]), /\$\.mm\.devices\[2\]\.physfn: a PF declared before this VF \(not a VF itself\): one of "pf"/);
    assert.match(errs([{ name: "pf", bars: [{ pages: 1 }] }, vf("vf", "pf", { memory: true })]), /\$\.mm\.devices\[1\]\.memory: no memory on a VF/);
    assert.equal(errs([{ name: "pf", bars: [{ pages: 1 }] }, vf("vf", "pf")]), "");
  });
});

describe("unmerged patches (scenario field patches)", () => {
  const withPatch = (patches: string[], ops: OpSpec[], profile: string, vmas = BAR, memory = true): ScenarioSpec => ({ title: "patch", profile, patches, mm: { devices: [{ ...DEVICE[0]!, memory }], vmas }, tasks: [{ name: "T", ops }] });

  it("refuses an unknown patch name, and a patch on a profile without the design it was written against, naming $.patches[i]", async () => {
    const { validateScenario } = await import("../src/scenario/validate.js");
    const errs = (s: unknown) => {
      const v = validateScenario(s);
      return v.ok ? "" : v.errors.map((e) => `${e.path}: ${e.expected}`).join("\n");
    };
    assert.match(errs(withPatch(["vfio-pci-remap-on-enabel"], [], "v6.12")), /\$\.patches\[0\]: one of .*"vfio-pci-remap-on-enable".*did you mean "vfio-pci-remap-on-enable"/);
    assert.match(errs(withPatch(["vfio-pci-fault-mmap-write-lock"], [], "v6.12")), /\$\.patches\[0\]: a profile with the code Yan Zhao's 2023-05-08 patch was written against: v6\.4/);
  });

  it("Yan Zhao's patch (2023-05-08, on v6.4): no WARN, the fault returns VM_FAULT_COMPLETED with mmap_lock released, even to a caller that did not allow it to drop the lock", () => {
    const r = checkedRun(withPatch(["vfio-pci-fault-mmap-write-lock"], [load(0)], "v6.4"));
    assert.deepEqual(events(r, "WARN"), []);
    assert.deepEqual(events(r, "mm_fault_done").map((e) => [e.args!.mmap_lock, e.ret]), [["dropped", "VM_FAULT_NOPAGE|VM_FAULT_COMPLETED"]]);
    const noRetry = checkedRun(withPatch(["vfio-pci-fault-mmap-write-lock"], [{ op: "handle_mm_fault", vma: "bar", page: 0, flags: [] }], "v6.4"));
    assert.deepEqual(events(noRetry, "call", "handle_mm_fault").map((e) => e.args!.mmap_lock), ["released"], "a fault without FAULT_FLAG_ALLOW_RETRY came back without mmap_lock");
  });

  it("Jason Gunthorpe's proposal (2024-05-22): the fault is always SIGBUS; enable remaps every unpopulated VMA of the device under mmap_write_lock; disable zaps with unmap_mapping_range()", () => {
    const two: NonNullable<ScenarioSpec["mm"]>["vmas"] = [...BAR, { name: "b1", kind: "vfio-bar", device: "gpu", bar: 1, pages: 2 }];
    const r = checkedRun(withPatch(["vfio-pci-remap-on-enable"], [load(0), disable, load(1), enable, load(1, "b1")], "v6.12", two));
    assert.deepEqual(rets(r, "load"), [0, "VM_FAULT_SIGBUS", 0]);
    assert.deepEqual(events(r, "vfio_fault").map((e) => e.ret), ["VM_FAULT_SIGBUS"], "the only fault is the one while disabled");
    assert.deepEqual(events(r, "cpu", "remap_pfn_range").map((e) => e.args!.vma), ["bar", "b1"], "the enable remapped both VMAs");
    assert.ok(events(r, "lock_acquire").some((e) => e.args!.lock === "mmap_lock" && e.args!.mode === "write"));
  });

  it("Jason's proposal: an enable (memory_lock -> mmap_lock for write) and a BAR mmap (mmap_lock -> memory_lock in ->mmap) invert: lockdep reports it", () => {
    const vmas: NonNullable<ScenarioSpec["mm"]>["vmas"] = [...BAR, { name: "late", kind: "vfio-bar", device: "gpu", bar: 1, pages: 2, deferred: true }];
    const r = checkedRun(withPatch(["vfio-pci-remap-on-enable"], [enable, { op: "mmap", vma: "late" }], "v6.12", vmas, false));
    assert.deepEqual(r.result.inversions.map((i) => [i.holding, i.acquiring]), [["mmap_lock", "&vdev->memory_lock"]]);
  });

  it("mmap_region()'s call_mmap() -> vma_link_file() window: found under Jason's proposal (->mmap populates), not in v6.12's fault-only design (data/vfio-*-mmap-window*.json)", async () => {
    const { readFileSync } = await import("node:fs");
    const verdict = (file: string) => explore(normalizeScenario(JSON.parse(readFileSync(file, "utf8")) as ScenarioSpec)).verdict!;
    assert.deepEqual([verdict("data/vfio-remap-on-enable-mmap-window.json").found, verdict("data/vfio-fault-only-mmap-window-v6.12.json").found], ["sometimes", "never"]);
  });
});

describe("type1 VFIO_IOMMU_MAP_DMA of a BAR range (vaddr_get_pfn -> follow_fault_pfn -> fixup_user_fault, 41311242221e)", () => {
  const vmas: NonNullable<ScenarioSpec["mm"]>["vmas"] = [...BAR, { name: "ram", kind: "anon", pages: 2 }];
  const map = (vma: string, nr_pages: number): OpSpec => ({ op: "vfio_dma_map", vma, page: 0, nr_pages });
  const mapped = (r: ScenarioRun) => events(r, "call", "VFIO_IOMMU_MAP_DMA").map((e) => [e.args!.vma, e.args!.mapped, e.args!.faults, e.ret]);

  it("RAM is pinned by GUP; a BAR range is refused by GUP (check_vma_flags: VM_IO|VM_PFNMAP) and faulted in once: one fault maps the whole VMA (the 2020 remap, the v6.10 prefault)", () => {
    for (const p of ["v5.9", "v6.4", "v6.10"]) {
      assert.deepEqual(mapped(run([map("ram", 2), map("bar", 4)], p, vmas)), [["ram", 2, 0, "0"], ["bar", 4, 1, "0"]], p);
    }
  });

  it("v6.4: the fault that fixup_user_fault() takes under mmap_lock for read remaps and WARNs (the chain of Yan Zhao's 2023-05-08 mail)", () => {
    const r = run([map("bar", 1)], "v6.4", vmas);
    assert.deepEqual(events(r, "WARN").map((e) => e.args!.caller), ["remap_pfn_range"]);
  });

  it("memory disabled: the fault is SIGBUS and the DMA map fails with -EFAULT", () => {
    for (const p of ["v5.9", "v6.12"]) assert.deepEqual(mapped(run([disable, map("bar", 2)], p, vmas)), [["bar", 0, 1, "-EFAULT"]], p);
  });
});

describe("VFIO_DEVICE_PCI_HOT_RESET: trylocks only, -EBUSY on contention", () => {
  const holder: ScenarioSpec["tasks"] = [{ name: "H", ops: [{ op: "sleep", ns: 100 }, { op: "down_write", lock: "mmap_lock" }, { op: "sleep", ns: 10_000 }, { op: "up_write", lock: "mmap_lock" }] }];
  const hot: OpSpec = { op: "vfio_pci_hot_reset", device: "gpu" };

  it("v5.9/v6.4: a listed VMA's mm with mmap_lock held elsewhere makes the try-zap (mmap_read_trylock) fail: -EBUSY; v6.12 takes no mmap_lock and resets", () => {
    const result = (p: string) => rets(checkedRun(spec([load(0), { op: "sleep", ns: 1000 }, hot], BAR, holder), p), "VFIO_DEVICE_PCI_HOT_RESET");
    assert.deepEqual(result("v5.9"), ["-EBUSY"]);
    assert.deepEqual(result("v6.4"), ["-EBUSY"]);
    assert.deepEqual(result("v6.12"), ["0"]);
  });

  it("uncontended: zapped and reset, the next access faults back in", () => {
    for (const p of ["v5.9", "v6.10"]) {
      const r = run([load(0), hot, load(1)], p);
      assert.deepEqual(rets(r, "VFIO_DEVICE_PCI_HOT_RESET"), ["0"], p);
      assert.equal(events(r, "vfio_fault").length, 2, p);
    }
  });
});

describe("v6.12 huge pfnmap faults (vfio_pci_mmap_huge_fault, f9e54c3a2f5b as merged)", () => {
  const bigDevice = [{ name: "gpu", bars: [{ pages: 1 << 18 }] }];
  const big = (pages: number, pad = 0): NonNullable<ScenarioSpec["mm"]>["vmas"] => [
    ...(pad > 0 ? [{ name: "pad", kind: "anon" as const, pages: pad }] : []),
    { name: "bar", kind: "vfio-bar", device: "gpu", bar: 0, pages },
  ];
  const hugeRun = (ops: OpSpec[], vmas: NonNullable<ScenarioSpec["mm"]>["vmas"]) => checkedRun({ title: "huge", mm: { devices: bigDevice, vmas }, tasks: [{ name: "T", ops }] }, "v6.12");
  const faults = (r: ScenarioRun) => events(r, "vfio_fault").map((e) => [e.args!.order, e.args!.ptes, e.ret]);

  it("a fault at a 2 MiB-aligned address of a VMA that holds the whole PMD: the PUD order falls back (VMA too small), the PMD order inserts one leaf mapping 512 pages", () => {
    const r = hugeRun([load(0), load(511)], big(512));
    assert.deepEqual(faults(r), [[18, 0, "VM_FAULT_FALLBACK"], [9, 1, "VM_FAULT_NOPAGE"]]);
    assert.deepEqual(ptesOf(r).map((p) => [p.page, p.kind === "pfn" && p.order]), [[0, 9]]);
  });

  it("fallback when the fault address is not aligned to the order (rule of f9e54c3a2f5b: vmf->address itself, not rounded down until c1d9dac0db16): one PTE by vmf_insert_pfn()", () => {
    // 1024 pages: a 2 MiB entry from page 5 would still end inside the VMA, so only the alignment refuses it.
    const r = hugeRun([load(5)], big(1024));
    // Tried under the VMA lock first; the order-0 ->fault (vfio's ops have no ->map_pages) retries under mmap_lock, which tries every order again (vmf_can_call_fault, v6.7).
    assert.deepEqual(faults(r), [[18, 0, "VM_FAULT_FALLBACK"], [9, 0, "VM_FAULT_FALLBACK"], [18, 0, "VM_FAULT_FALLBACK"], [9, 0, "VM_FAULT_FALLBACK"], [0, 1, "VM_FAULT_NOPAGE"]]);
    assert.deepEqual(ptesOf(r).map((p) => p.page), [5]);
  });

  it("fallback when the entry would pass vm_end: a 4-page VMA maps page by page, the huge orders tried only while the PMD is none", () => {
    const r = hugeRun([load(0), load(1)], big(4));
    // The first PTE allocates the page table: the PMD and PUD are no longer none, so the second fault goes straight to the PTE level.
    assert.deepEqual(faults(r).map((f) => f[0]), [18, 9, 18, 9, 0, 0]);
  });

  it("a 1 GiB-aligned VMA of a 1 GiB BAR: one PUD leaf (x86-64 supports PUD pfnmaps)", () => {
    // The pad puts the BAR VMA at 0x40000000: mmaps start at 0x10000000 with a 16-page gap after each.
    const r = hugeRun([load(0), load((1 << 18) - 1)], big(1 << 18, (0x30000000 >> 12) - 16));
    assert.deepEqual(faults(r), [[18, 1, "VM_FAULT_NOPAGE"]]);
  });

  it("a PMD leaf's zap leaves the PMD table it sat in (zap_huge_pmd() clears the entry, only free_pgtables() frees tables): the PUD is no longer none, so after re-enabling, a fault at the 1 GiB-aligned start maps a PMD leaf, not a PUD one", () => {
    const r = hugeRun([load(512), disable, enable, load(0)], big(1 << 18, (0x30000000 >> 12) - 16));
    // __handle_mm_fault(): the first fault's PUD fallback went on to pmd_alloc(); the re-fault finds pud_none() false and skips create_huge_pud().
    assert.deepEqual(faults(r), [[18, 0, "VM_FAULT_FALLBACK"], [9, 1, "VM_FAULT_NOPAGE"], [9, 1, "VM_FAULT_NOPAGE"]]);
  });

  it("a memory disable zaps the leaf whole (zap_huge_pmd) and the next access is SIGBUS at every order", () => {
    const r = hugeRun([load(0), disable, load(3)], big(512));
    assert.deepEqual(events(r, "zap").map((e) => e.args!.cleared), [1]);
    assert.deepEqual(rets(r, "load"), [0, "VM_FAULT_SIGBUS"]);
  });

  it("fork copies the PMD leaf to the child (copy_huge_pmd), and the disable's unmap_mapping_range() zaps both", () => {
    const child: OpSpec = { op: "fork", child: { name: "C", ops: [{ op: "sleep", ns: 10 }, load(7)] as never[] } };
    const r = hugeRun([load(0), child, disable], big(512));
    assert.deepEqual(events(r, "zap").map((e) => e.args!.cleared), [1, 1]);
    assert.deepEqual(rets(r, "load"), [0, "VM_FAULT_SIGBUS"]);
  });

  it("mprotect(PROT_READ) changes the PMD leaf itself (change_huge_pmd(): pmd_modify() of the one entry): a store then faults (SIGSEGV), and a disable's zap leaves nothing for a load to reach the disabled BAR through", () => {
    const ro: OpSpec = { op: "mprotect", vma: "bar", prot: "PROT_READ" };
    const r = hugeRun([load(0), ro, { op: "store", vma: "bar", page: 5, value: 7 }, disable, load(5)], big(512));
    assert.deepEqual(ptesOf(r), []);
    assert.deepEqual(rets(r, "store"), ["VM_FAULT_SIGSEGV"]);
    assert.deepEqual(rets(r, "load"), [0, "VM_FAULT_SIGBUS"]);
    assert.equal(events(r, "pci_mmio_disabled").length, 0);
    const rw = hugeRun([load(0), ro, { op: "mprotect", vma: "bar", prot: "PROT_READ|PROT_WRITE" }], big(512));
    assert.deepEqual(ptesOf(rw).map((p) => [p.page, p.kind === "pfn" && p.order, p.kind === "pfn" && p.write]), [[0, 9, true]]);
  });

  it("mremap of a VMA holding a PMD leaf to an address that is not 2 MiB-aligned: move_page_tables() splits the leaf, which for a special pfnmap clears it (__split_huge_pmd_locked()), and nothing stays mapped at the old address", () => {
    const r = hugeRun([load(0), { op: "mremap", vma: "bar" }, { op: "munmap", vma: "bar" }], big(512));
    assert.deepEqual(r.final!.vmas, []);
    // The munmap of the moved VMA finds nothing: the leaf went with the split, not left behind at the old address.
    assert.deepEqual(events(r, "zap").map((e) => e.args!.cleared), [0]);
  });
});

describe("pread of a BAR into a BAR mmap (vfio_pci_bar_rw): the recursive memory_lock of v5.8, fixed by bc93b9ae0151", () => {
  // v5.8 as merged: the v5.9 profile with memory_lock held across copy_to_user() (no profile has v5.8 itself).
  const V5_8: Behaviour = { ...profile("v5.9").behaviour, vfio_pci_bar_rw_lock: "across_copy" };
  const read: OpSpec = { op: "vfio_pci_bar_read", device: "gpu", bar: 0, offset: 3, vma: "bar", page: 1 };

  it("v5.8 as merged: lockdep sees memory_lock taken before mmap_lock and vma_lock by the copy's fault, against the fault's mmap_lock -> vma_lock -> memory_lock", () => {
    const r = checkedRun(spec([read]), "v5.9", V5_8);
    assert.ok(r.result.inversions.length > 0, "lockdep reported nothing");
    assert.ok(r.result.inversions.every((i) => i.acquiring === "&vdev->memory_lock" || i.holding === "&vdev->memory_lock"), "an inversion without memory_lock");
    assert.deepEqual(rets(r, "vfio_pci_bar_rw"), [4]);
  });

  it("v5.9 (bc93b9ae0151): memory_lock only around the device access, the copy faults with none held: no inversion", () => {
    const r = run([read], "v5.9");
    assert.deepEqual(r.result.inversions, []);
    assert.deepEqual(events(r, "lock_acquire").map((e) => e.args!.lock), ["gpu.memory_lock", "mmap_lock", "gpu.vma_lock", "gpu.memory_lock"]);
  });

  it("memory disabled: -EIO (v5.8+), and nothing is copied", () => {
    const r = run([disable, read], "v5.9");
    assert.deepEqual(rets(r, "vfio_pci_bar_rw"), ["-EIO"]);
  });
});
