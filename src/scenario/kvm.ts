/**
 * Building a scenario's KVM guest: the guest-memory VMA with a seeded
 * fraction of pages swapped out, and one task per vCPU.
 *
 * @module
 */
import { kvm_vcpu_run, type VcpuStats } from "../virt/kvm/vcpu.js";
import { VM } from "../mm/flags.js";
import type { Kernel } from "../mm/kernel.js";
import { PAGE_SIZE } from "../mm/mm.js";
import type { RunResult } from "../engine/simulation.js";
import { sample } from "./sample.js";
import type { NormalizedKvm } from "./normalize.js";
import { folio_add_new_anon_rmap } from "../mm/rmap.js";

/** Create guest memory and spawn the vCPU tasks. */
export function buildKvm(k: Kernel, spec: NormalizedKvm): void {
  const nprocs = spec.vcpus * spec.procs;
  const memory = k.mm.mmap("guest", nprocs * spec.pagesPerProc, VM.READ | VM.WRITE, null);
  const prng = k.sim.prng.fork("kvm:swapped");
  for (let gfn = 0; gfn < nprocs * spec.pagesPerProc; gfn++) {
    const hva = memory.start + gfn * PAGE_SIZE;
    if (prng.float() < spec.swapped) {
      k.mm.set_pte(hva, { kind: "swap", entry: k.mm.swap.alloc_entry() });
    } else {
      const f = k.folio_alloc(null, gfn);
      f.uptodate = true;
      f.mapcount = 1;
      folio_add_new_anon_rmap(k, f);
      k.mm.set_pte(hva, { kind: "present", folio: f, write: true, dirty: true });
    }
  }
  for (let v = 0; v < spec.vcpus; v++) {
    const procs = Array.from({ length: spec.procs }, (_, p) => {
      const base = (v * spec.procs + p) * spec.pagesPerProc;
      return Array.from({ length: spec.pagesPerProc }, (_, i) => base + i);
    });
    k.sim.spawn(`vcpu${v}`, (t) =>
      kvm_vcpu_run(k, t, {
        memory,
        procs,
        accesses: spec.accesses,
        computeNs: (x) => sample(x.prng, spec.computeNs),
        switchNs: spec.switchNs,
        asyncPf: spec.asyncPf,
      }),
    );
  }
}

/** Guest-level results of a KVM run. */
export interface KvmSummary {
  /** Guest accesses completed. */
  readonly accesses: number;
  /** Accesses per virtual millisecond. */
  readonly throughput: number;
  /** Fraction of vCPU time spent halted with nothing to run. */
  readonly idleFraction: number;
  /** Fraction of vCPU time stalled in synchronous faults. */
  readonly stallFraction: number;
  /** Async page faults taken. */
  readonly asyncPfs: number;
  /** Faults handled synchronously. */
  readonly syncFaults: number;
  /** Faults resolved by the first attempt without IO. */
  readonly minorFaults: number;
}

/** Sum the vCPU tasks' {@link VcpuStats}. */
export function kvmSummary(result: RunResult): KvmSummary {
  const vcpus = result.tasks.filter((t) => /^vcpu\d+$/.test(t.name)).map((t) => t.result as VcpuStats);
  const sum = (f: (s: VcpuStats) => number) => vcpus.reduce((a, s) => a + f(s), 0);
  const time = Math.max(1, result.endTime) * Math.max(1, vcpus.length);
  return {
    accesses: sum((s) => s.accesses),
    throughput: (sum((s) => s.accesses) / Math.max(1, result.endTime)) * 1e6,
    idleFraction: sum((s) => s.idleNs) / time,
    stallFraction: sum((s) => s.syncStallNs) / time,
    asyncPfs: sum((s) => s.asyncPfs),
    syncFaults: sum((s) => s.syncFaults),
    minorFaults: sum((s) => s.minorFaults),
  };
}
