/**
 * KVM asynchronous page faults, virt/kvm/async_pf.c: `kvm_setup_async_pf()`
 * queues work that faults the page in (`async_pf_execute`), then signals "page ready" to
 * the vCPU, which lets the guest run the process that was waiting.
 *
 * @module
 */
import type { KernelGen, Task } from "../../engine/task.js";
import { FOLL } from "../../mm/flags.js";
import type { Folio } from "../../mm/folio.js";
import { get_user_pages, get_user_pages_remote, type Locked } from "../../mm/gup.js";
import type { Kernel } from "../../mm/kernel.js";
import { apf_worker_name } from "./apf_worker.js";

/** ASYNC_PF_PER_VCPU (include/linux/kvm_host.h / arch/x86/include/asm/kvm_host.h). */
export const ASYNC_PF_PER_VCPU = 64;

/** The vCPU side of async PF: what is queued and who to tell when a page is ready. */
export interface AsyncPfQueue {
  /** Name of the vCPU, for work item names. */
  readonly name: string;
  /** Work items queued and not yet completed. */
  queued: number;
  /** Work items created so far (names them). */
  created: number;
  /** Called when a page is ready (kvm_arch_async_page_present). */
  readonly pageReady: (token: number) => void;
}

/**
 * `async_pf_execute()`: fault the page in for the vCPU. Until v4.10 with
 * `get_user_pages(.., 1, 1, 0, &page, NULL)`, taking the page and holding
 * mmap_sem across the IO (af585b921e5d); since 5b56d49fc31d with
 * `get_user_pages_remote(.., FOLL_WRITE, NULL, &locked)`, which may drop it.
 */
function* async_pf_execute(k: Kernel, w: Task, hva: number): KernelGen {
  yield* k.mm.mmap_lock.down_read(w);
  if (k.behaviour.async_pf_gup === "get_user_pages") {
    const pages: Folio[] = [];
    yield* get_user_pages(k, w, hva, 1, FOLL.WRITE, pages);
    k.mm.mmap_lock.up_read(w);
    for (const f of pages) f.refcount--; // put_page() once the work item is freed
    return;
  }
  const locked: Locked = { locked: true };
  yield* get_user_pages_remote(k, w, k.mm, hva, 1, FOLL.WRITE, null, locked);
  if (locked.locked) k.mm.mmap_lock.up_read(w);
}


/**
 * `kvm_setup_async_pf()`: false if the queue is full (the caller then
 * faults synchronously); otherwise queue `async_pf_execute` for `hva`.
 */
export function kvm_setup_async_pf(k: Kernel, vcpu: AsyncPfQueue, hva: number, token: number): boolean {
  if (vcpu.queued >= ASYNC_PF_PER_VCPU) return false;
  vcpu.queued++;
  const name = apf_worker_name(vcpu.name, ++vcpu.created);
  k.sim.spawn(name, function* (w): KernelGen {
    yield* async_pf_execute(k, w, hva);
    if (k.sim.tracing) k.sim.event(w, "kvm_async_pf_ready", "kvm_arch_async_page_present", { vcpu: vcpu.name, token });
    vcpu.pageReady(token);
  });
  return true;
}
