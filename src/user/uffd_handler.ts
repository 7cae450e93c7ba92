/**
 * A userspace userfaultfd handler thread (a VMM's post-copy fault thread, or
 * the selftests' `uffd_poll_thread`): read pending fault messages, fetch
 * each page (a modelled delay: a remote fetch in post-copy migration, say)
 * and UFFDIO_COPY it; on -EEXIST another message for the same page was
 * already served, so wake the range with UFFDIO_WAKE as the selftests'
 * `copy_page()` does (tools/testing/selftests/mm/uffd-common.c); on -ENOENT
 * (the range was unmapped) wake it too.
 *
 * @module
 */
import { delay } from "../engine/delay.js";
import type { KernelGen, Task } from "../engine/task.js";
import type { Kernel, Latency } from "../mm/kernel.js";
import { PAGE_SIZE } from "../mm/mm.js";
import { userfaultfd_copy, userfaultfd_read, userfaultfd_wake, type Userfaultfd } from "../fs/userfaultfd.js";

/** Messages one read() takes: a buffer of 16 `struct uffd_msg`. */
export const UFFD_READ_BATCH = 16;

/** The handler thread's loop; never returns (run it as a daemon task). */
export function* uffd_handler(k: Kernel, t: Task, ctx: Userfaultfd, fetch: Latency): KernelGen {
  for (;;) {
    const addresses = yield* userfaultfd_read(t, ctx, UFFD_READ_BATCH);
    for (const address of addresses) {
      yield* delay(t, "sleep", fetch(t), "uffd_read_and_fetch", { page: (address - ctx.vma.start) / PAGE_SIZE });
      // On -EEXIST the page is there already; on -ENOENT the range was unmapped: either way wake the waiters.
      if ((yield* userfaultfd_copy(k, t, ctx, address)) < 0) yield* userfaultfd_wake(k, t, ctx, address, PAGE_SIZE);
    }
  }
}
