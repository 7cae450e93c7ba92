/**
 * The interpreter of scenario operations: each op calls the engine primitive
 * with the kernel's name.
 *
 * @module
 */
import { delay, cond_resched } from "../engine/delay.js";
import { local_irq_disable, local_irq_enable, smp_call_function } from "../engine/irq.js";
import type { Mutex } from "../engine/mutex.js";
import type { RwSemaphore } from "../engine/rwsem.js";
import type { KernelGen, Task } from "../engine/task.js";
import { FAULT_FLAG, FOLL, VM_FAULT, flagNames, parseFlags } from "../mm/flags.js";
import type { Folio } from "../mm/folio.js";
import { do_user_addr_fault } from "../arch/x86/mm/fault.js";
import { copy_fpstate_to_sigframe } from "../arch/x86/kernel/fpu/signal.js";
import { __mm_populate, fixup_user_fault, get_user_pages, get_user_pages_fast, get_user_pages_remote, get_user_pages_unlocked, type Locked } from "../mm/gup.js";
import { do_madvise } from "../mm/madvise.js";
import { do_munmap } from "../mm/mmap.js";
import { ENOMEM, ESRCH, errname } from "../include/errno.js";
import { do_mprotect } from "../mm/mprotect.js";
import type { Kernel } from "../mm/kernel.js";
import { handle_mm_fault } from "../mm/memory.js";
import { PAGE_SIZE, type MmStruct, type Vma } from "../mm/mm.js";
import { dup_mmap, exit_mmap } from "../kernel/fork.js";
import { KernelBug } from "../engine/bug.js";
import { sample } from "./sample.js";
import type { NormalizedOp } from "./normalize.js";

/** What the operations of a running scenario act on. */
export interface OpEnv {
  /** rw_semaphores by name (mmap_lock among them when there is an mm). */
  readonly rwsems: ReadonlyMap<string, RwSemaphore>;
  /** Mutexes by name. */
  readonly mutexes: ReadonlyMap<string, Mutex>;
  /** The modelled kernel, when the scenario has an mm. */
  readonly kernel: Kernel | null;
  /** VMAs by name, as the scenario declares them (a forked child has copies at the same addresses). */
  readonly vmas: ReadonlyMap<string, Vma>;
  /** Page sets GUP ops hold (`hold`), by name, until a put_page op releases them. */
  readonly held: Map<string, Folio[]>;
  /** Names of the tasks fork ops create. */
  readonly forked: ReadonlySet<string>;
  /** Tasks that ran an exit op: they run no further op. */
  readonly exited: Set<string>;
}

/** Whether `t` holds `mm`'s mmap_lock now, as the caller of a fault or GUP sees it on return. */
function mmapLockState(mm: MmStruct, t: Task): "held" | "released" {
  return t.held.some((h) => h.name === mm.mmap_lock.name) ? "held" : "released";
}

/** The address of an op's `page` in its `vma`. */
function address(env: OpEnv, op: { vma: string; page: number }): number {
  return env.vmas.get(op.vma)!.start + op.page * PAGE_SIZE;
}

/** Ops that only call engine primitives (locks, delays, IRQ sections, IPIs), whose shared accesses the engine sees. */
const ENGINE_OPS: ReadonlySet<NormalizedOp["op"]> = new Set([
  "down_read", "down_write", "down_read_trylock", "down_write_trylock", "up_read", "up_write", "downgrade_write",
  "mutex_lock", "mutex_trylock", "mutex_unlock", "cpu", "io", "sleep", "cond_resched",
  "local_irq_disable", "local_irq_enable", "smp_call_function", "repeat",
]);

/**
 * Whether `op` runs kernel-model code, whose accesses the engine does not
 * see: every op but {@link ENGINE_OPS}, and up_write / downgrade_write of
 * mmap_lock, which go through the mm (`mmap_write_unlock`).
 */
function opaque(op: NormalizedOp, env: OpEnv): boolean {
  if (!ENGINE_OPS.has(op.op)) return true;
  return env.kernel !== null && (op.op === "up_write" || op.op === "downgrade_write") && op.lock === "mmap_lock";
}

/**
 * Run a list of operations in task `t`. Each op declares to the engine
 * whether it runs kernel-model code ({@link opaque}), for the footprints
 * of the steps it spans.
 */
export function* runOps(t: Task, ops: readonly NormalizedOp[], env: OpEnv): KernelGen {
  for (const op of ops) {
    if (env.exited.has(t.name)) return;
    t.sim.charge();
    t.sim.setOpaque(t, opaque(op, env));
    yield* runOp(t, op, env);
  }
}

function* runOp(t: Task, op: NormalizedOp, env: OpEnv): KernelGen {
  switch (op.op) {
    case "down_read":
      return yield* env.rwsems.get(op.lock)!.down_read(t);
    case "down_write":
      return yield* env.rwsems.get(op.lock)!.down_write(t);
    case "down_read_trylock":
      return void env.rwsems.get(op.lock)!.down_read_trylock(t);
    case "down_write_trylock":
      return void env.rwsems.get(op.lock)!.down_write_trylock(t);
    case "up_read":
      return env.rwsems.get(op.lock)!.up_read(t);
    case "up_write":
      if (env.kernel && op.lock === "mmap_lock") return env.kernel.mm.mmap_write_unlock(t);
      return env.rwsems.get(op.lock)!.up_write(t);
    case "downgrade_write":
      if (env.kernel && op.lock === "mmap_lock") return env.kernel.mm.mmap_write_downgrade(t);
      return env.rwsems.get(op.lock)!.downgrade_write(t);
    case "mutex_lock":
      return yield* env.mutexes.get(op.lock)!.mutex_lock(t);
    case "mutex_trylock":
      return void env.mutexes.get(op.lock)!.mutex_trylock(t);
    case "mutex_unlock":
      return env.mutexes.get(op.lock)!.mutex_unlock(t);
    case "cpu":
    case "io":
    case "sleep":
      return yield* delay(t, op.op, sample(t.prng, op.ns), op.fn);
    case "cond_resched":
      return yield* cond_resched(t);
    case "local_irq_disable":
      return local_irq_disable(t);
    case "local_irq_enable":
      return local_irq_enable(t);
    case "smp_call_function":
      return yield* smp_call_function(t, op.fn!); // fn: filled from the schema default
    case "fault": {
      const k = env.kernel!;
      const ret = yield* do_user_addr_fault(k, t, address(env, op), op.write);
      t.sim.event(t, "call", "do_user_addr_fault", { vma: op.vma, page: op.page }, flagNames("VM_FAULT", VM_FAULT, ret));
      return;
    }
    case "handle_mm_fault": {
      const k = env.kernel!;
      const mm = k.current_mm(t);
      yield* mm.mmap_lock.down_read(t);
      const vma = mm.vma_lookup(address(env, op));
      if (!vma) {
        // The caller's find_vma() found nothing (unmapped): handle_mm_fault is not called.
        mm.mmap_lock.up_read(t);
        t.sim.event(t, "call", "handle_mm_fault", { vma: op.vma, page: op.page, mmap_lock: "released" }, "no VMA (unmapped)");
        return;
      }
      const ret = yield* handle_mm_fault(k, t, vma, address(env, op), parseFlags("FAULT_FLAG", FAULT_FLAG, op.flags));
      const lock = mmapLockState(mm, t);
      t.sim.event(t, "call", "handle_mm_fault", { vma: op.vma, page: op.page, mmap_lock: lock }, flagNames("VM_FAULT", VM_FAULT, ret));
      if (lock === "held") mm.mmap_lock.up_read(t);
      return;
    }
    case "get_user_pages":
      return yield* gupOp(t, op, env);
    case "madvise": {
      const k = env.kernel!;
      const ret = yield* do_madvise(k, t, address(env, op), op.nr_pages * PAGE_SIZE, op.advice);
      t.sim.event(t, "call", "madvise", { vma: op.vma, page: op.page, nr_pages: op.nr_pages, advice: op.advice }, errname(ret));
      return;
    }
    case "mm_populate": {
      const k = env.kernel!;
      const ret = yield* __mm_populate(k, t, address(env, op), op.nr_pages * PAGE_SIZE);
      t.sim.event(t, "call", "__mm_populate", { vma: op.vma, page: op.page, nr_pages: op.nr_pages }, errname(ret));
      return;
    }
    case "exit": {
      // do_exit() -> exit_mm() -> mmput(): the forked child's address space goes; the task stops here.
      const k = env.kernel!;
      const mm = k.current_mm(t);
      exit_mmap(k, t, mm);
      k.set_mm(t.name, null);
      t.sim.event(t, "call", "exit", {}, 0);
      env.exited.add(t.name);
      return;
    }
    case "put_page": {
      const pages = env.held.get(op.pages);
      if (!pages) throw new KernelBug(`put_page: no page set named ${op.pages} is held (never taken, or already put)`);
      env.held.delete(op.pages);
      for (const f of pages) f.refcount--;
      t.sim.event(t, "call", "put_page", { pages: op.pages, nr_pages: pages.length }, 0);
      return;
    }
    case "fork": {
      const k = env.kernel!;
      const mm = yield* dup_mmap(k, t, k.current_mm(t), op.child.name);
      k.set_mm(op.child.name, mm);
      const child = op.child.ops as readonly NormalizedOp[];
      t.sim.spawn(op.child.name, (c) => runOps(c, child, env), { opaque: false });
      t.sim.event(t, "call", "fork", { child: op.child.name }, 0);
      return;
    }
    case "munmap": {
      const k = env.kernel!;
      const vma = k.current_mm(t).vmas.find((v) => v.name === op.vma);
      if (!vma) {
        t.sim.event(t, "call", "munmap", { vma: op.vma }, "no VMA (already unmapped)");
        return;
      }
      const ret = yield* do_munmap(k, t, vma);
      t.sim.event(t, "call", "munmap", { vma: op.vma }, ret);
      return;
    }
    case "mprotect": {
      const k = env.kernel!;
      const vma = k.current_mm(t).vmas.find((v) => v.name === op.vma);
      // do_mprotect_pkey(): no VMA at the start address.
      const ret = vma ? yield* do_mprotect(k, t, vma, op.prot === "PROT_READ|PROT_WRITE") : ENOMEM;
      t.sim.event(t, "call", "mprotect", { vma: op.vma, prot: op.prot }, errname(ret));
      return;
    }
    case "fixup_user_fault": {
      const k = env.kernel!;
      const unlocked = { unlocked: false };
      const mm = k.current_mm(t);
      yield* mm.mmap_lock.down_read(t);
      const ret = yield* fixup_user_fault(k, t, mm, address(env, op), op.write ? FAULT_FLAG.WRITE : 0, unlocked);
      mm.mmap_lock.up_read(t);
      t.sim.event(t, "call", "fixup_user_fault", { vma: op.vma, page: op.page, unlocked: unlocked.unlocked }, ret);
      return;
    }
    case "copy_fpstate_to_sigframe": {
      const k = env.kernel!;
      const r = yield* copy_fpstate_to_sigframe(k, t, address(env, op), op.nr_pages, op.loop);
      t.sim.event(t, "call", "copy_fpstate_to_sigframe", { vma: op.vma, page: op.page, nr_pages: op.nr_pages, loop: op.loop, prefaults: r.prefaults }, r.ret);
      return;
    }
    case "repeat":
      for (let i = 0; i < op.count; i++) yield* runOps(t, op.ops as readonly NormalizedOp[], env);
      return;
  }
}

/** A GUP call as its callers make it, then `put_page()` on every page it returned, unless the op holds them. */
function* gupOp(t: Task, op: Extract<NormalizedOp, { op: "get_user_pages" }>, env: OpEnv): KernelGen {
  const k = env.kernel!;
  const mm = op.task !== undefined ? k.get_task_mm(op.task, env.forked) : k.current_mm(t);
  if (!mm) {
    // get_task_mm() found no mm: the task has not been forked yet, or has exited.
    t.sim.event(t, "call", op.call, { vma: op.vma, page: op.page, task: op.task! }, errname(ESRCH));
    return;
  }
  const start = address(env, op);
  const nr = op.nr_pages;
  const flags = parseFlags("FOLL", FOLL, op.flags);
  const pages: Folio[] | null = op.pages ? [] : null;
  let ret: number;
  if (op.call === "get_user_pages_fast") {
    ret = yield* get_user_pages_fast(k, t, start, nr, flags, pages ?? [], sample(t.prng, op.pteNs));
  } else if (op.call === "get_user_pages_unlocked") {
    ret = yield* get_user_pages_unlocked(k, t, start, nr, pages, flags);
  } else {
    yield* mm.mmap_lock.down_read(t);
    const locked: Locked | null = op.call === "get_user_pages_remote" && op.locked ? { locked: true } : null;
    ret = op.call === "get_user_pages" ? yield* get_user_pages(k, t, start, nr, flags, pages) : yield* get_user_pages_remote(k, t, mm, start, nr, flags, pages, locked);
    if (!locked || locked.locked) mm.mmap_lock.up_read(t);
  }
  t.sim.event(t, "call", op.call, { vma: op.vma, page: op.page, nr_pages: nr, pinned: pages ? pages.length : 0, mmap_lock: mmapLockState(mm, t), ...(op.hold ? { hold: op.hold } : {}) }, ret);
  if (op.hold) {
    if (env.held.has(op.hold)) throw new KernelBug(`${op.call}: page set ${op.hold} is already held; put_page it first`);
    env.held.set(op.hold, pages ?? []);
  } else {
    for (const f of pages ?? []) f.refcount--;
  }
}
