/**
 * A vCPU running guest processes. Every guest access to a page whose host
 * PTE is not present is an EPT violation handled as in
 * arch/x86/kvm/mmu/mmu.c `__kvm_mmu_faultin_pfn()` (v6.x; `try_async_pf`
 * before): the first `hva_to_pfn` attempt is always an async one
 * (FOLL_NOWAIT); on KVM_PFN_ERR_NEEDS_IO, if the guest can take async PFs
 * (`kvm_can_do_async_pf`) and the queue has room, queue it and let the guest
 * schedule another process ("page not present"); otherwise fault
 * synchronously, the vCPU waiting for the IO. A vCPU with no runnable guest
 * process halts until a page is ready.
 *
 * @module
 */
import { KernelBug } from "../../engine/bug.js";
import { delay } from "../../engine/delay.js";
import type { KernelGen, Task } from "../../engine/task.js";
import { WaitQueue } from "../../engine/waitqueue.js";
import type { Kernel } from "../../mm/kernel.js";
import { PAGE_SIZE, type Vma } from "../../mm/mm.js";
import { kvm_setup_async_pf, type AsyncPfQueue } from "./async_pf.js";
import { hva_to_pfn } from "./hva_to_pfn.js";

/** How one vCPU's guest behaves. */
export interface GuestConfig {
  /** Guest memory (an anonymous VMA of the VMM). */
  readonly memory: Vma;
  /** Guest processes on this vCPU, each with the guest pages it touches. */
  readonly procs: readonly (readonly number[])[];
  /** Accesses each process makes. */
  readonly accesses: number;
  /** Guest CPU time per access (ns), drawn per access. */
  readonly computeNs: (t: Task) => number;
  /** Cost of an exit plus a guest context switch (ns). */
  readonly switchNs: number;
  /** Whether the guest enabled async page faults (MSR_KVM_ASYNC_PF_EN). */
  readonly asyncPf: boolean;
}

/** What a vCPU did; the task's return value. */
export interface VcpuStats {
  /** Guest accesses completed. */
  accesses: number;
  /** Time halted with no runnable guest process (ns). */
  idleNs: number;
  /** Time stalled in synchronous faults (ns). */
  syncStallNs: number;
  /** Async page faults queued. */
  asyncPfs: number;
  /** Faults handled synchronously (the vCPU waited for the IO). */
  syncFaults: number;
  /** Faults the first (NOWAIT) attempt resolved without IO. */
  minorFaults: number;
}

interface GuestProc {
  readonly pages: readonly number[];
  done: number;
  waiting: boolean;
}

/** The guest scheduler's view: processes with work left, and how many of them can run now. */
class GuestRunqueue {
  readonly procs: GuestProc[];
  unfinished: number;
  runnable: number;
  private next = 0;
  constructor(pages: readonly (readonly number[])[], accesses: number) {
    this.procs = pages.map((p) => ({ pages: p, done: 0, waiting: false }));
    this.unfinished = accesses > 0 ? this.procs.length : 0;
    this.runnable = this.unfinished;
  }
  /** The current process while it can run, else the next one round-robin (there must be one). */
  pick(accesses: number): GuestProc {
    for (;;) {
      const p = this.procs[this.next]!;
      if (!p.waiting && p.done < accesses) return p;
      this.next = (this.next + 1) % this.procs.length;
    }
  }
  /** The process waits for a page: the guest switches to the next one. */
  block(p: GuestProc): void {
    p.waiting = true;
    this.runnable--;
    this.next = (this.procs.indexOf(p) + 1) % this.procs.length;
  }
  unblock(p: GuestProc): void {
    p.waiting = false;
    this.runnable++;
  }
  finished(): void {
    this.unfinished--;
    this.runnable--;
  }
}

/** The vCPU task body: run the guest processes to completion; returns {@link VcpuStats}. */
export function* kvm_vcpu_run(k: Kernel, t: Task, guest: GuestConfig): KernelGen<VcpuStats> {
  const stats: VcpuStats = { accesses: 0, idleNs: 0, syncStallNs: 0, asyncPfs: 0, syncFaults: 0, minorFaults: 0 };
  const rq = new GuestRunqueue(guest.procs, guest.accesses);
  const wq = new WaitQueue(`${t.name} halt`);
  const waiting = new Map<number, GuestProc>();
  const apf: AsyncPfQueue = {
    name: t.name,
    queued: 0,
    created: 0,
    pageReady: (token) => {
      // kvm_check_async_pf_completion(): the work item is done.
      apf.queued--;
      rq.unblock(waiting.get(token)!);
      waiting.delete(token);
      wq.wake_up_all();
    },
  };
  let token = 0;
  const runnable = () => rq.runnable > 0;
  while (rq.unfinished > 0) {
    if (!runnable()) {
      // kvm_vcpu_halt(): nothing to run until an async PF completes.
      const from = k.sim.now;
      k.sim.event(t, "kvm_halt", "kvm_vcpu_halt");
      yield* wq.wait_event(t, runnable);
      stats.idleNs += k.sim.now - from;
      continue;
    }
    const p = rq.pick(guest.accesses);
    const gfn = p.pages[t.prng.int(p.pages.length)]!;
    const hva = guest.memory.start + gfn * PAGE_SIZE;
    if (k.mm.pte(hva)?.kind !== "present") {
      if (k.sim.tracing) k.sim.event(t, "kvm_page_fault", "kvm_mmu_page_fault", { gfn });
      const from = k.sim.now;
      let r = yield* hva_to_pfn(k, t, hva, true, true);
      if (r.kind === "needs_io" && guest.asyncPf && kvm_setup_async_pf(k, apf, hva, ++token)) {
        // The guest gets "page not present" and schedules another process.
        stats.asyncPfs++;
        rq.block(p);
        waiting.set(token, p);
        yield* delay(t, "cpu", guest.switchNs, "kvm_arch_async_page_not_present");
        continue;
      }
      if (r.kind === "pfn") {
        stats.minorFaults++;
      } else {
        r = yield* hva_to_pfn(k, t, hva, true, false);
        if (r.kind !== "pfn") throw new KernelBug(`${t.name}: hva_to_pfn failed for gfn ${gfn}`);
        stats.syncFaults++;
        stats.syncStallNs += k.sim.now - from;
      }
    }
    yield* delay(t, "cpu", guest.computeNs(t), "guest");
    if (++p.done === guest.accesses) rq.finished();
    stats.accesses++;
  }
  return stats;
}
