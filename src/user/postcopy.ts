/**
 * The destination side of a post-copy live migration, in userspace: the
 * VMM's vCPU threads around KVM_RUN, its userfaultfd handler threads, and
 * the migration stream from the source. Modelled on QEMU's
 * migration/postcopy-ram.c (a fault thread that reads uffd messages and
 * asks the source for pages; pages placed by the thread that receives them)
 * and the KVM selftests' demand_paging_test (reader threads that resolve
 * each message with UFFDIO_CONTINUE or UFFDIO_COPY; vCPU threads that
 * resolve KVM_EXIT_MEMORY_FAULT themselves).
 *
 * On a memory-fault exit the vCPU thread follows the protocol James
 * Houghton gave on 2022-12-06 (thread "[RFC] Improving userfaultfd
 * scalability for live migration"): a page not yet received is requested
 * and waited for; one received but not yet placed is placed with
 * UFFDIO_CONTINUE (COPY for MISSING); one already placed (the PTE went away
 * behind the VMM's back: MADV_DONTNEED, swap-out) gets MADV_POPULATE_WRITE,
 * so that GUP-fast finds it on re-entry. That last step waits in
 * userfaultfd when the page is registered and its PTE is none.
 *
 * @module
 */
import { delay } from "../engine/delay.js";
import type { KernelGen, Task } from "../engine/task.js";
import { WaitQueue } from "../engine/waitqueue.js";
import { userfaultfd_continue, userfaultfd_copy, userfaultfd_read, userfaultfd_wake, type Userfaultfd } from "../fs/userfaultfd.js";
import { EEXIST } from "../include/errno.js";
import type { Kernel } from "../mm/kernel.js";
import { do_madvise } from "../mm/madvise.js";
import { PAGE_SIZE } from "../mm/mm.js";
import { kvm_run, type KvmVcpu } from "../virt/kvm/kvm_run.js";

/** Userspace costs of the VMM (ns). */
export interface PostcopyCosts {
  /** A KVM_RUN exit to userspace and the re-entry. */
  readonly exitNs: number;
  /** Entering and leaving one system call (read, ioctl, madvise). */
  readonly syscallNs: number;
  /** Copying one received 4 KiB page into guest memory. */
  readonly copyNs: number;
  /** From a wake-up to the woken thread running (a futex wake: IPI, context switch). */
  readonly wakeupNs: number;
}

/** The migration stream: one link from the source. */
export interface MigrationLink {
  /** One-way latency (ns). */
  readonly latencyNs: number;
  /** Time the link takes to send one page: 4 KiB over its bandwidth (ns). */
  readonly pageNs: number;
  /** Whether the source streams the pages nobody asked for, in order, when no request waits (background prefetch). */
  readonly prefetch: boolean;
}

/** What a vCPU thread did; its task's result. */
export interface PostcopyVcpuStats {
  /** Guest pages it writes. */
  readonly accesses: number;
  /** KVM_EXIT_MEMORY_FAULT exits handled. */
  exits: number;
  /** UFFDIO_CONTINUE/COPY that returned -EEXIST. */
  eexist: number;
  /** MADV_POPULATE_WRITE calls. */
  populates: number;
}

/** What the handler threads did, and what was asked of the source. */
interface VmmCounts {
  /** Messages read. */
  messages: number;
  /** UFFDIO_CONTINUE/COPY that returned -EEXIST. */
  eexist: number;
  /** Pages requested from the source (by handler or vCPU threads). */
  requests: number;
}

/** Guest memory's registration: which context a guest page's address belongs to, and its address. */
export interface GuestMemory {
  /** The host address of guest page `gfn`. */
  readonly hva: (gfn: number) => number;
  /** The userfaultfd context registered on `gfn`'s VMA. */
  readonly ctx: (gfn: number) => Userfaultfd;
  /** Every context, each with its own handler threads. */
  readonly ctxs: readonly Userfaultfd[];
  /** MINOR (shmem, UFFDIO_CONTINUE) or MISSING (anonymous, UFFDIO_COPY). */
  readonly mode: "MINOR" | "MISSING";
}

/** The VMM's view of guest memory and the migration in flight. */
export class PostcopyVmm {
  /** The page's data is here (received from the source, or before the run). */
  readonly received: Uint8Array;
  /** The VMM placed the page (UFFDIO_CONTINUE or COPY succeeded, or said -EEXIST): its bitmap, not the page table. */
  readonly placed: Uint8Array;
  /** Asked the source for it. */
  private readonly requested: Uint8Array;
  /** Sent by the source (by request or prefetch). */
  private readonly sent: Uint8Array;
  /** Requests that reached the source, oldest first. */
  private readonly urgent: number[] = [];
  /** Pages that reached this side, oldest first. */
  private readonly arrived: number[] = [];
  private prefetchNext = 0;
  private readonly sourceWq = new WaitQueue("migration source");
  private readonly receiveWq = new WaitQueue("migration receive");
  /** Threads waiting in userspace for a page to be placed. */
  private readonly pageWq = new WaitQueue("vmm page placed");
  /** Who waits for which page there. */
  private readonly waitingFor = new Map<number, Task[]>();
  /** The vCPU threads' counts so far, finished or not. */
  readonly stats: PostcopyVcpuStats[] = [];
  /** The vCPUs, each with its progress and stalls. */
  readonly vcpus: KvmVcpu[] = [];
  /** The handler threads' counts, and the pages asked of the source. */
  readonly counts: VmmCounts = { messages: 0, eexist: 0, requests: 0 };

  constructor(
    private readonly k: Kernel,
    readonly memory: GuestMemory,
    readonly pages: number,
    private readonly link: MigrationLink | null,
    private readonly costs: PostcopyCosts,
  ) {
    this.received = new Uint8Array(pages);
    this.placed = new Uint8Array(pages);
    this.requested = new Uint8Array(pages);
    this.sent = new Uint8Array(pages);
  }

  /** Mark `gfn` as received (and sent) before the run. */
  preReceived(gfn: number): void {
    this.received[gfn] = 1;
    this.sent[gfn] = 1;
  }

  /** Spawn the source, the receiving thread and `readers` handler threads per context. */
  start(readers: number): void {
    const sim = this.k.sim;
    if (this.link) {
      sim.spawn("source", (t) => this.source(t), { daemon: true });
      sim.spawn("postcopy/listen", (t) => this.listen(t), { daemon: true });
    }
    this.memory.ctxs.forEach((ctx, i) => {
      for (let r = 0; r < readers; r++) sim.spawn(`uffd${i}/reader${r}`, (t) => this.reader(t, ctx), { daemon: true });
    });
  }

  /** A vCPU thread: KVM_RUN until the guest is done, resolving each memory-fault exit. */
  *vcpu(t: Task, vcpu: KvmVcpu): KernelGen<PostcopyVcpuStats> {
    const k = this.k;
    const stats: PostcopyVcpuStats = { accesses: vcpu.gfns.length, exits: 0, eexist: 0, populates: 0 };
    this.stats.push(stats);
    for (;;) {
      const exit = yield* kvm_run(k, t, vcpu);
      if (exit.reason === "done") return stats;
      stats.exits++;
      yield* delay(t, "cpu", this.costs.exitNs, "KVM_EXIT_MEMORY_FAULT");
      const gfn = exit.gfn;
      if (!this.received[gfn]) {
        this.request(gfn);
        const waiters = this.waitingFor.get(gfn);
        if (waiters) waiters.push(t);
        else this.waitingFor.set(gfn, [t]);
        if (!this.placed[gfn]) {
          yield* this.pageWq.wait_event(t, () => this.placed[gfn] === 1);
          yield* delay(t, "sleep", this.costs.wakeupNs, "futex_wake");
        }
        continue;
      }
      if (!this.placed[gfn]) {
        if ((yield* this.place(t, gfn)) !== EEXIST) continue;
        stats.eexist++;
      }
      // Already placed: its PTE went away since (MADV_DONTNEED, swap-out), or it was placed while this thread exited; fault it in so GUP-fast finds it.
      stats.populates++;
      yield* delay(t, "cpu", this.costs.syscallNs, "madvise");
      yield* do_madvise(k, t, this.memory.hva(gfn), PAGE_SIZE, "MADV_POPULATE_WRITE");
    }
  }

  /** Ask the source for `gfn` once; the request reaches it after the link's latency. */
  private request(gfn: number): void {
    if (this.requested[gfn] || this.sent[gfn] || !this.link) return;
    this.requested[gfn] = 1;
    this.counts.requests++;
    this.k.sim.add_timer(this.link.latencyNs, "page request", () => {
      this.urgent.push(gfn);
      this.sourceWq.wake_up_all();
    });
  }

  /** The source: send requested pages first, else (with prefetch) the next page not sent. */
  private *source(t: Task): KernelGen {
    const link = this.link!;
    for (;;) {
      let gfn = -1;
      while (this.urgent.length > 0 && gfn < 0) {
        const g = this.urgent.shift()!;
        if (!this.sent[g]) gfn = g;
      }
      if (gfn < 0 && link.prefetch) {
        while (this.prefetchNext < this.pages && this.sent[this.prefetchNext]) this.prefetchNext++;
        if (this.prefetchNext < this.pages) gfn = this.prefetchNext;
      }
      if (gfn < 0) {
        yield* this.sourceWq.wait_event(t, () => this.urgent.length > 0);
        continue;
      }
      this.sent[gfn] = 1;
      yield* delay(t, "sleep", link.pageNs, "send_page");
      const page = gfn;
      this.k.sim.add_timer(link.latencyNs, "page arrival", () => {
        this.arrived.push(page);
        this.receiveWq.wake_up_all();
      });
    }
  }

  /** The receiving thread: copy each page in as it arrives and place it. */
  private *listen(t: Task): KernelGen {
    for (;;) {
      yield* this.receiveWq.wait_event(t, () => this.arrived.length > 0);
      const gfn = this.arrived.shift()!;
      yield* delay(t, "cpu", this.costs.copyNs, "copy_page");
      this.received[gfn] = 1;
      if (!this.placed[gfn]) yield* this.place(t, gfn);
    }
  }

  /** A handler thread: read messages; place pages that are here, ask the source for the others. */
  private *reader(t: Task, ctx: Userfaultfd): KernelGen {
    for (;;) {
      yield* delay(t, "cpu", this.costs.syscallNs, "read");
      // One struct uffd_msg per read(), as QEMU's fault thread and the selftests' uffd_poll_thread read.
      const addresses = yield* userfaultfd_read(t, ctx, 1);
      for (const address of addresses) {
        this.counts.messages++;
        const gfn = this.gfnOf(ctx, address);
        if (!this.received[gfn]) {
          this.request(gfn);
          continue;
        }
        if ((yield* this.place(t, gfn)) === EEXIST) {
          // As the selftests' copy_page(): another message for the page was served; wake this one's thread.
          this.counts.eexist++;
          yield* delay(t, "cpu", this.costs.syscallNs, "ioctl");
          yield* userfaultfd_wake(this.k, t, ctx, address, PAGE_SIZE);
        }
      }
    }
  }

  /** Guest page of `address` in `ctx`'s VMA. */
  private gfnOf(ctx: Userfaultfd, address: number): number {
    return ctx.vma.pgoff + (address - ctx.vma.start) / PAGE_SIZE;
  }

  /**
   * Place a received page: UFFDIO_CONTINUE (MINOR, its data already copied
   * into the page cache) or UFFDIO_COPY (MISSING), waking the threads that
   * wait on it in the kernel and in userspace. Returns 0 or the -errno.
   */
  private *place(t: Task, gfn: number): KernelGen<number> {
    const ctx = this.memory.ctx(gfn);
    const hva = this.memory.hva(gfn);
    yield* delay(t, "cpu", this.costs.syscallNs, "ioctl");
    const ret = this.memory.mode === "MINOR" ? yield* userfaultfd_continue(this.k, t, ctx, hva, false) : yield* userfaultfd_copy(this.k, t, ctx, hva);
    if (ret === 0 || ret === EEXIST) {
      this.placed[gfn] = 1;
      for (const w of this.waitingFor.get(gfn) ?? []) this.pageWq.wake_up_task(w);
      this.waitingFor.delete(gfn);
    }
    return ret;
  }
}
