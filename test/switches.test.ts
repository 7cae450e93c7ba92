// Every behaviour switch flips something: for each change a profile makes
// (switch, value, commit), a witness scenario is run under the previous
// profile's behaviour, once as it is and once with only that switch set to
// the new value; the two traces must differ. The specific tests say what the
// difference is; this table makes sure no switch is dead.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { PROFILES, profile, type Behaviour } from "../src/profiles/index.js";
import { normalizeScenario, runNormalized, withOptions, type ScenarioSpec } from "../src/scenario/index.js";

const file = (path: string) => JSON.parse(readFileSync(path, "utf8")) as ScenarioSpec;
const one = (vmas: NonNullable<ScenarioSpec["mm"]>["vmas"], ops: ScenarioSpec["tasks"][number]["ops"]): ScenarioSpec => ({ title: "witness", mm: { vmas }, tasks: [{ name: "T", ops }] });
const SWAPPED = [{ name: "a", kind: "anon" as const, pages: 2, swapped: [0] }];
const UFFD = [{ name: "a", kind: "anon" as const, pages: 2, uffd: { resolveNs: 100_000 } }];
const FILE = [{ name: "f", kind: "file" as const, pages: 2 }];
const VFIO_DEVICE = [{ name: "gpu", bars: [{ pages: 4 }] }];
const VFIO_BAR = [{ name: "bar", kind: "vfio-bar" as const, device: "gpu", bar: 0, pages: 2 }];
/** Task T runs `ops`; task K sends it `signal` `at` ns in; `others` run beside them. */
const signalled = (vmas: NonNullable<ScenarioSpec["mm"]>["vmas"], ops: ScenarioSpec["tasks"][number]["ops"], signal: "SIGKILL" | "SIGUSR1", at = 10_000, others: ScenarioSpec["tasks"] = []): ScenarioSpec => ({
  title: "witness",
  mm: { vmas },
  tasks: [{ name: "T", ops }, { name: "K", ops: [{ op: "sleep", ns: at }, { op: "kill", task: "T", signal }] }, ...others],
});

/** One vCPU writing two guest pages during post-copy, one handler thread. */

/** A scenario in which each switch shows. */
const WITNESS: Record<keyof Behaviour, ScenarioSpec | ScenarioSpec[]> = {
  rwsem_reader_wake: file("data/rwsem-reader-wake-v5.3.json"),
  fault_retry_nowait: file("data/nowait-fault-keeps-mmap-lock-briefly.json"),
  gup_nowait_keeps_locked: one(SWAPPED, [{ op: "get_user_pages", call: "get_user_pages_unlocked", vma: "a", page: 0, flags: ["WRITE", "NOWAIT"] }]),
  filemap_unlock_mmap_for_io: file("data/allow-retry-drops-mmap-lock-for-io.json"),
  gup_prefault_retry: file("data/async-pf-prefault-gup-calls-v5.1.json"),
  fault_retry_multiple: one([{ name: "f", kind: "file", pages: 2 }], [{ op: "fault", vma: "f", page: 0 }, { op: "handle_mm_fault", vma: "f", page: 1, flags: ["ALLOW_RETRY", "TRIED"] }]),
  wp_reuse: one([{ name: "a", kind: "anon", pages: 2, resident: [0] }], [
    { op: "get_user_pages", call: "get_user_pages_unlocked", vma: "a", page: 0, hold: "ref" },
    { op: "fork", child: { name: "C", ops: [{ op: "exit" }] as never[] } },
    { op: "sleep", ns: 1000 },
    { op: "fault", vma: "a", page: 0, write: true },
  ]),
  fault_around: file("test/fixtures/kernel/X-02-fault-around.json"),
  vm_fault_write: file("test/fixtures/kernel/X-05-vm-fault-write.json"),
  shared_write_throttle: file("test/fixtures/kernel/X-03-shared-write-drops-lock.json"),
  gup_fault_killable: one(SWAPPED, [{ op: "get_user_pages", call: "get_user_pages_unlocked", vma: "a", page: 0, flags: ["WRITE"] }]),
  per_vma_lock: [file("test/fixtures/kernel/X-01-per-vma-lock-anon.json"), file("test/fixtures/kernel/X-01-per-vma-lock-file.json")],
  kvm_async_gup: file("test/fixtures/kernel/X-04-kvm-v2.6.39-worker.json"),
  async_pf_gup: file("test/fixtures/kernel/X-04-kvm-v2.6.39-worker.json"),
  userfaultfd: file("test/fixtures/kernel/X-06-uffd-message-per-fault.json"),
  madv_populate: file("data/madv-populate-eio-efault-v6.12.json"),
  fpu_sigframe_prefault: file("data/fpu-prefault-as-merged-v5.2-rc1.json"),
  async_ra_checks_ra_pages: file("data/mlock-readahead-off-completes-v5.7.json"),
  munmap_downgrade: file("data/gup-fast-irq-off-delays-tlb-flush.json"),
  fault_flag_interruptible: one([{ name: "a", kind: "anon", pages: 1 }], [{ op: "fault", vma: "a", page: 0 }]),
  foll_unlockable: one(SWAPPED, [{ op: "get_user_pages", call: "get_user_pages_unlocked", vma: "a", page: 0 }]),
  fault_signal_pending: signalled(FILE, [{ op: "fault", vma: "f", page: 0 }], "SIGUSR1"),
  uffd_signal_nopage: signalled(UFFD, [{ op: "fault", vma: "a", page: 0, write: true }], "SIGUSR1"),
  uffd_single_schedule: { ...file("data/uffd-spurious-wakeup-v5.9.json"), seed: 1 },
  gup_retry_fatal_signal: signalled(FILE, [{ op: "get_user_pages", call: "get_user_pages_unlocked", vma: "f", page: 0 }], "SIGKILL", 150_000, [
    { name: "W", ops: [{ op: "sleep", ns: 50_000 }, { op: "down_write", lock: "mmap_lock" }, { op: "sleep", ns: 200_000 }, { op: "up_write", lock: "mmap_lock" }] },
  ]),
  gup_fatal_errno: signalled(FILE, [{ op: "get_user_pages", call: "get_user_pages", vma: "f", page: 0, nr_pages: 2 }], "SIGKILL"),
  foll_pin: one([{ name: "a", kind: "anon", pages: 1, resident: [0] }], [{ op: "get_user_pages", call: "pin_user_pages_unlocked", vma: "a", page: 0, hold: "dma" }]),
  pin_zero_page: one([{ name: "a", kind: "anon", pages: 1 }], [{ op: "fault", vma: "a", page: 0 }, { op: "get_user_pages", call: "pin_user_pages_unlocked", vma: "a", page: 0, hold: "dma" }]),
  fork_copy_pinned: file("data/pin-coherent-after-fork-v5.9.json"),
  anon_exclusive: one([{ name: "a", kind: "anon", pages: 1 }], [
    { op: "store", vma: "a", page: 0, value: 7 },
    { op: "fork", child: { name: "C", ops: [{ op: "exit" }] as never[] } },
    { op: "sleep", ns: 1000 },
    { op: "get_user_pages", call: "pin_user_pages", vma: "a", page: 0, hold: "dma" },
    { op: "store", vma: "a", page: 0, value: 1 },
  ]),
  // The timed run, in which GUP-fast reads the pmd before the collapse and pins after its check.
  gup_fast_pmd_recheck: { ...file("data/khugepaged-vs-gup-fast-v5.9-broadcast.json"), policy: "time", interleave: "time" },
  collapse_sync_ipi: { ...file("data/khugepaged-vs-gup-fast-v5.9-broadcast.json"), policy: "time", interleave: "time" },
  wp_reuse_ksm: one([{ name: "a", kind: "anon", pages: 2, resident: "all" }], [
    { op: "store", vma: "a", page: 0, value: 5 },
    { op: "store", vma: "a", page: 1, value: 5 },
    { op: "ksm_merge", vma: "a", page: 0, with: { vma: "a", page: 1 } },
    { op: "store", vma: "a", page: 1, value: 6 },
    { op: "store", vma: "a", page: 0, value: 7 },
  ]),
  // The Dirty COW schedule: MADV_DONTNEED runs between the COW-breaking fault and the lookup that follows it.
  foll_force_write: [
    { ...file("data/dirty-cow-v2.6.39.json"), schedule: ["proc_mem", "proc_mem", "proc_mem"] },
    one([{ name: "lib", kind: "file", pages: 1, writable: false, pagecache: [0] }], [{ op: "get_user_pages", call: "get_user_pages_remote", vma: "lib", page: 0, flags: ["WRITE", "FORCE"] }]),
  ],
  madv_pageout: one([{ name: "a", kind: "anon", pages: 1, resident: [0] }], [
    { op: "store", vma: "a", page: 0, value: 7 },
    { op: "madvise", advice: "MADV_PAGEOUT", vma: "a", page: 0 },
    { op: "load", vma: "a", page: 0 },
  ]),
  // A write fault on a page swapped out under a GUP reference: reuse_swap_page() maps it, refcount == 1 copies it.
  swap_reuse: one([{ name: "a", kind: "anon", pages: 1, resident: [0] }], [
    { op: "store", vma: "a", page: 0, value: 7 },
    { op: "get_user_pages", call: "get_user_pages_unlocked", vma: "a", page: 0, flags: ["WRITE"], hold: "ref" },
    { op: "madvise", advice: "MADV_PAGEOUT", vma: "a", page: 0 },
    { op: "store", vma: "a", page: 0, value: 1 },
  ]),
  // A pinned page paged out: added to the swap cache (and unmapped before v5.19), or kept out of it by reclaim (feb889fb40fa).
  pageout_skips_pinned: one([{ name: "a", kind: "anon", pages: 1, resident: [0] }], [
    { op: "get_user_pages", call: "pin_user_pages_unlocked", vma: "a", page: 0, flags: ["WRITE"], hold: "pin" },
    { op: "madvise", advice: "MADV_PAGEOUT", vma: "a", page: 0 },
  ]),
  // Register, then unregister: no uprobes, a copy holding the original instruction, or the file's page mapped again at the next fault.
  uprobes: one([{ name: "text", kind: "file", pages: 1, writable: false, exec: true, mapped: [0] }], [
    { op: "uprobe_register", vma: "text", page: 0 },
    { op: "uprobe_unregister", vma: "text", page: 0 },
  ]),
  longterm_migrate_movable: file("data/longterm-pin-migrates-movable-v6.12.json"),
  longterm_file_write_refused: file("data/longterm-write-pin-shared-file-v6.12.json"),
  mprotect_write_upgrade: one([{ name: "a", kind: "anon", pages: 1, resident: [0] }], [
    { op: "mprotect", vma: "a", prot: "PROT_READ" },
    { op: "mprotect", vma: "a", prot: "PROT_READ|PROT_WRITE" },
  ]),
  // The driver's VMA ends VM_INSERTPAGE or VM_MIXEDMAP.
  vm_insert_page_flag: one([{ name: "fw", kind: "mixedmap", pages: 1 }], [{ op: "cpu", ns: 1 }]),
  // A BAR touched, memory disabled, touched again: mapped at mmap or on fault, under which locks, zapped or not.
  vfio_pci_mmap: { ...one(VFIO_BAR, [{ op: "load", vma: "bar", page: 0 }, { op: "vfio_pci_config_write", device: "gpu", memory: false }, { op: "load", vma: "bar", page: 1 }]), mm: { devices: VFIO_DEVICE, vmas: VFIO_BAR } },
  // Only by patch (Yan Zhao, 2023): the fault under mmap_lock for write, returning VM_FAULT_COMPLETED.
  vfio_pci_fault_mmap_write_lock: { ...one(VFIO_BAR, [{ op: "load", vma: "bar", page: 0 }]), mm: { devices: VFIO_DEVICE, vmas: VFIO_BAR }, profile: "v6.4" },
  // A pread of the BAR: memory_lock around the device access, or nothing before v5.8.
  vfio_pci_bar_rw_lock: { ...one([...VFIO_BAR, { name: "buf", kind: "anon", pages: 1 }], [{ op: "vfio_pci_bar_read", device: "gpu", bar: 0, offset: 0, vma: "buf", page: 0 }]), mm: { devices: VFIO_DEVICE, vmas: [...VFIO_BAR, { name: "buf", kind: "anon", pages: 1 }] } },
  // A BAR touched, the device put in D3hot through PCI_PM_CTRL, touched again: a zap and SIGBUS, or an access the device does not claim.
  vfio_pci_d3hot_blocks_memory: { ...one(VFIO_BAR, [{ op: "load", vma: "bar", page: 0 }, { op: "vfio_pm_config_write", device: "gpu", state: "D3hot" }, { op: "load", vma: "bar", page: 1 }]), mm: { devices: VFIO_DEVICE, vmas: VFIO_BAR } },
  // A BAR touched, LOW_POWER_ENTRY, touched again: a zap and SIGBUS, or an ioctl the kernel does not have.
  vfio_pci_low_power_feature: { ...one(VFIO_BAR, [{ op: "load", vma: "bar", page: 0 }, { op: "vfio_device_feature_low_power_entry", device: "gpu" }, { op: "load", vma: "bar", page: 1 }]), mm: { devices: VFIO_DEVICE, vmas: VFIO_BAR } },
  // remap_pfn_range() from the 2020 design's fault, under mmap_lock for read.
  uffd_mfill_lock: file("data/postcopy-vcpu-waits-in-userfaultfd-v6.12.json"),
  uffd_minor_shmem: file("data/postcopy-vcpu-waits-in-userfaultfd-v6.12.json"),
  // Only by patch (Anish Moorthy, 2024; Sean Christopherson, 2022): a vCPU that exits instead of waiting in userfaultfd.
  kvm_exit_on_missing: file("data/postcopy-vcpu-waits-in-userfaultfd-v6.12.json"),
  kvm_pf_no_uffd_wait: file("data/postcopy-vcpu-waits-in-userfaultfd-v6.12.json"),
  vm_flags_set_assert: { ...one(VFIO_BAR, [{ op: "load", vma: "bar", page: 0 }]), mm: { devices: VFIO_DEVICE, vmas: VFIO_BAR } },
};

/** Switches that act only on top of another one of the same profile: flipped with it on. 64fe24a3e05e (v6.0) reads PageAnonExclusive (v5.19). */
const REQUIRES: Partial<Record<keyof Behaviour, Partial<Behaviour>>> = {
  mprotect_write_upgrade: { anon_exclusive: true },
};

/** What a run shows: its trace hash and its final state. */
const outcome = (spec: ScenarioSpec, profileName: string, behaviour: Behaviour) => {
  const run = runNormalized(withOptions(normalizeScenario({ ...spec, maxSteps: 20_000 }), { profile: profileName }), { behaviour });
  return `${run.hash} ${JSON.stringify(run.final)}`;
};

describe("every behaviour switch flips its witness scenario", () => {
  for (const p of PROFILES.filter((q) => q.base !== null)) {
    const base = profile(p.base!);
    for (const c of p.changes.filter((x, i) => p.changes.findIndex((y) => y.behaviour === x.behaviour) === i)) {
      it(`${p.name}: ${c.behaviour} = ${String(c.value)} (${c.commit})`, () => {
        const before = { ...base.behaviour, ...REQUIRES[c.behaviour] } as Behaviour;
        const flipped = { ...before, [c.behaviour]: p.behaviour[c.behaviour] } as Behaviour;
        const witnesses = [WITNESS[c.behaviour]].flat();
        assert.ok(witnesses.some((w) => outcome(w, base.name, before) !== outcome(w, base.name, flipped)), "no witness changes");
      });
    }
  }
});
