/**
 * x86 signal delivery writing the FPU state to the user stack,
 * arch/x86/kernel/fpu/signal.c `copy_fpstate_to_sigframe()` as of
 * d9c9ce34ed5c ("x86/fpu: Fault-in user stack if copy_fpstate_to_sigframe()
 * fails", v5.2-rc1): the copy runs with page faults disabled; when it fails,
 * the stack is prefaulted with `get_user_pages_unlocked(buf, nr_pages, NULL,
 * FOLL_WRITE)` and the copy retried.
 *
 * @module
 */
import { NotInProfile } from "../../../../engine/bug.js";
import type { KernelGen, Task } from "../../../../engine/task.js";
import { FOLL } from "../../../../mm/flags.js";
import { EFAULT } from "../../../../include/errno.js";
import { get_user_pages_unlocked } from "../../../../mm/gup.js";
import type { Kernel } from "../../../../mm/kernel.js";
import { PAGE_SIZE } from "../../../../mm/mm.js";

/** Which prefault loop to run. */
export type PrefaultLoop = "d9c9ce34ed5c" | "fixed";

/** `copy_fpregs_to_sigframe()` under pagefault_disable(): succeeds only if every page is present and writable. */
function copy_fpregs_to_sigframe(k: Kernel, t: Task, buf: number, nr_pages: number): boolean {
  for (let i = 0; i < nr_pages; i++) {
    const pte = k.current_mm(t).pte(buf + i * PAGE_SIZE);
    if (pte?.kind !== "present" || !pte.write) return false;
  }
  return true;
}

/**
 * The retry loop. As merged: `if (ret == nr_pages) goto retry; return
 * -EFAULT;`, which fails whenever GUP stops short after VM_FAULT_RETRY. As
 * Andrea Arcangeli says it should have been: `if (ret < 0) return -EFAULT;
 * goto retry;` ("pages == NULL must be a prefetch attempt retried until
 * ret == nr_pages"). Returns 0 or -EFAULT, and how many prefaults it ran.
 */
export function* copy_fpstate_to_sigframe(k: Kernel, t: Task, buf: number, nr_pages: number, loop: PrefaultLoop): KernelGen<{ ret: number; prefaults: number }> {
  if (!k.behaviour.fpu_sigframe_prefault) throw new NotInProfile("copy_fpstate_to_sigframe's prefault loop does not exist before v5.2-rc1 (d9c9ce34ed5c)");
  let prefaults = 0;
  for (;;) {
    if (copy_fpregs_to_sigframe(k, t, buf, nr_pages)) return { ret: 0, prefaults };
    prefaults++;
    const ret = yield* get_user_pages_unlocked(k, t, buf, nr_pages, null, FOLL.WRITE);
    if (loop === "d9c9ce34ed5c" ? ret !== nr_pages : ret < 0) return { ret: EFAULT, prefaults };
  }
}
