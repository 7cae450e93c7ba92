/**
 * Building a scenario's post-copy migration: guest memory (a shmem file
 * mapped shared for MINOR, anonymous memory for MISSING) registered with one
 * userfaultfd or one per vCPU, the lock words' cache lines, the VMM
 * ({@link PostcopyVmm}) and one task per vCPU; and the summary of a run.
 *
 * @module
 */
import { NotInProfile } from "../engine/bug.js";
import { Cacheline } from "../engine/cacheline.js";
import type { KernelGen } from "../engine/task.js";
import type { RunResult } from "../engine/simulation.js";
import { Userfaultfd } from "../fs/userfaultfd.js";
import { VM } from "../mm/flags.js";
import type { Kernel } from "../mm/kernel.js";
import { PAGE_SIZE, type Vma } from "../mm/mm.js";
import { AddressSpace } from "../mm/pagecache.js";
import { shmem_vm_ops } from "../mm/shmem.js";
import { PostcopyVmm, type PostcopyVcpuStats } from "../user/postcopy.js";
import type { KvmVcpu } from "../virt/kvm/kvm_run.js";
import type { PostcopySpecT } from "./schema.js";

/** The postcopy section with its defaults filled in. */
export type NormalizedPostcopy = Required<Omit<PostcopySpecT, "link" | "costs">> & {
  readonly link: { readonly latencyNs: number; readonly pageNs: number; readonly prefetch: boolean } | null;
  readonly costs: Required<NonNullable<PostcopySpecT["costs"]>>;
};

/** The guest pages vCPU `v` writes, in order. */
function accessOrder(spec: NormalizedPostcopy, v: number, k: Kernel): Int32Array {
  const n = spec.pagesPerVcpu;
  const gfns = new Int32Array(n);
  const prng = k.sim.prng.fork(`postcopy:vcpu${v}`);
  for (let i = 0; i < n; i++) gfns[i] = spec.pattern === "shared" ? prng.int(spec.vcpus * n) : v * n + i;
  if (spec.pattern === "random") {
    // Fisher-Yates over the vCPU's own pages.
    for (let i = n - 1; i > 0; i--) {
      const j = prng.int(i + 1);
      [gfns[i], gfns[j]] = [gfns[j]!, gfns[i]!];
    }
  }
  return gfns;
}

/**
 * Create guest memory, the VMM and the vCPU tasks; returns the VMM. On a
 * kernel without userfaultfd, or without MINOR mode on shmem, the VMM's
 * UFFDIO_REGISTER fails: a task named vmm stops the run with the reason.
 */
export function buildPostcopy(k: Kernel, spec: NormalizedPostcopy): PostcopyVmm {
  const missing = !k.behaviour.userfaultfd ? "userfaultfd does not exist before v4.3 (86039bd3b4e6)" : spec.mode === "MINOR" && !k.behaviour.uffd_minor_shmem ? "UFFDIO_REGISTER_MODE_MINOR on shmem does not exist before v5.14" : null;
  if (missing) {
    k.sim.spawn("vmm", function* (): KernelGen {
      throw new NotInProfile(missing);
    });
  }
  const pages = spec.vcpus * spec.pagesPerVcpu;
  const minor = spec.mode === "MINOR";
  const file = minor ? new AddressSpace("guest-shmem", pages, 0, true) : null;
  const slices = spec.uffds === "per-vcpu" ? spec.vcpus : 1;
  const per = pages / slices;
  const rmw = spec.costs.rmwNs;
  if (rmw > 0) k.mm.mmap_lock.line = new Cacheline("mmap_lock.count", rmw);
  // UFFDIO_REGISTER of each slice: a VMA of its own (the registration splits the mapping).
  const vmas: Vma[] = [];
  for (let i = 0; i < slices; i++) {
    const vma = k.mm.mmap(slices === 1 ? "guest" : `guest${i}`, per, VM.READ | VM.WRITE | (minor ? VM.SHARED : 0), file, minor ? shmem_vm_ops : null);
    vma.pgoff = i * per;
    if (rmw > 0) vma.vm_lock.line = new Cacheline(`${vma.name}.vm_lock`, rmw);
    const ctx = new Userfaultfd(vma, { missing: !minor, minor });
    ctx.modelLocks(k.sim, { lockNs: spec.costs.lockNs, walkNs: spec.costs.walkNs, wakeupNs: spec.costs.wakeupNs });
    if (rmw > 0) ctx.map_changing_lock = new Cacheline(`${vma.name} map_changing_lock`, rmw);
    vma.uffd = ctx;
    vmas.push(vma);
  }
  const memory = {
    hva: (gfn: number) => vmas[Math.floor(gfn / per)]!.start + (gfn % per) * PAGE_SIZE,
    ctx: (gfn: number) => vmas[Math.floor(gfn / per)]!.uffd!,
    ctxs: vmas.map((v) => v.uffd!),
    mode: spec.mode,
  } as const;
  const vmm = new PostcopyVmm(k, memory, pages, spec.link, spec.costs);
  const prng = k.sim.prng.fork("postcopy:pages");
  for (let gfn = 0; gfn < pages; gfn++) {
    // The destination's page cache is allocated up front (demand_paging_test's shmem, James Houghton's 2024 runs).
    if (file) {
      const f = k.folio_alloc(file, gfn);
      f.uptodate = true;
      file.pages.set(gfn, f);
    }
    const r = prng.float();
    if (!spec.link || r < spec.dontneed + spec.swapped) vmm.preReceived(gfn);
    if (r < spec.dontneed) {
      vmm.placed[gfn] = 1;
    } else if (r < spec.dontneed + spec.swapped) {
      vmm.placed[gfn] = 1;
      vmas[0]!.anon_vma = true;
      k.mm.set_pte(memory.hva(gfn), { kind: "swap", entry: k.mm.swap.alloc_entry() });
    }
  }
  vmm.start(spec.readers);
  for (let v = 0; v < spec.vcpus; v++) {
    const vcpu: KvmVcpu = { hva: memory.hva, gfns: accessOrder(spec, v, k), computeNs: spec.costs.computeNs, next: 0, faultedAt: -1, stalls: [] };
    vmm.vcpus.push(vcpu);
    k.sim.spawn(`vcpu${v}`, (t) => vmm.vcpu(t, vcpu));
  }
  return vmm;
}

/** What a post-copy run came to. */
export interface PostcopySummary {
  /** vCPUs that wrote all their pages, and how many there are (a deadlock or the step budget can stop some). */
  readonly finished: number;
  readonly vcpus: number;
  /** Guest pages written by all vCPUs. */
  readonly accesses: number;
  /** Accesses that faulted and completed (their page was not mapped when first touched). */
  readonly faults: number;
  /** Demand-paging rate: completed faults per second until the last vCPU finished, or the run ended (pages/s), as demand_paging_test reports it. */
  readonly pagesPerSec: number;
  /** Time until the last vCPU finished, or the run ended (ns). */
  readonly vcpuNs: number;
  /** Stall per faulting access (ns): quantiles p50, p90, p99, max. */
  readonly stall: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  /** KVM_EXIT_MEMORY_FAULT exits. */
  readonly exits: number;
  /** MADV_POPULATE_WRITE calls by vCPU threads. */
  readonly populates: number;
  /** UFFDIO_CONTINUE/COPY that returned -EEXIST, by vCPU threads and handler threads. */
  readonly eexist: number;
  /** userfaultfd messages the handler threads read. */
  readonly messages: number;
  /** Pages requested from the source. */
  readonly requests: number;
}

/** Summarise the vCPUs' progress and stalls, their threads' {@link PostcopyVcpuStats} (finished or not) and the handler threads' counts. */
export function postcopySummary(result: RunResult, vmm: PostcopyVmm): PostcopySummary {
  const done = result.tasks.filter((t) => /^vcpu\d+$/.test(t.name) && t.result);
  const stats = vmm.stats;
  const stalls = Float64Array.from(vmm.vcpus.flatMap((v) => v.stalls)).sort();
  const q = (p: number) => (stalls.length === 0 ? 0 : stalls[Math.min(stalls.length - 1, Math.floor(p * stalls.length))]!);
  const finished = done.length === vmm.vcpus.length && vmm.vcpus.length > 0;
  const vcpuNs = Math.max(1, finished ? Math.max(...done.map((t) => t.exitTime)) : result.endTime);
  const sum = (f: (s: PostcopyVcpuStats) => number) => stats.reduce((a, s) => a + f(s), 0);
  return {
    finished: done.length,
    vcpus: vmm.vcpus.length,
    accesses: vmm.vcpus.reduce((a, v) => a + v.next, 0),
    faults: stalls.length,
    pagesPerSec: (stalls.length / vcpuNs) * 1e9,
    vcpuNs,
    stall: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: stalls.length === 0 ? 0 : stalls[stalls.length - 1]! },
    exits: sum((s) => s.exits),
    populates: sum((s) => s.populates),
    eexist: sum((s) => s.eexist) + vmm.counts.eexist,
    messages: vmm.counts.messages,
    requests: vmm.counts.requests,
  };
}
