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
import { FAULT_FLAG, FOLL, VM_FAULT, VM_FAULT_ERROR, flagNames, parseFlags } from "../mm/flags.js";
import type { Folio } from "../mm/folio.js";
import { do_user_addr_fault, user_access } from "../arch/x86/mm/fault.js";
import { copy_fpstate_to_sigframe } from "../arch/x86/kernel/fpu/signal.js";
import { __mm_populate, fixup_user_fault, get_user_pages, get_user_pages_fast, get_user_pages_remote, get_user_pages_unlocked, gup_put_folio, type GupPages, type Locked } from "../mm/gup.js";
import { do_madvise } from "../mm/madvise.js";
import { do_munmap, mmap_region } from "../mm/mmap.js";
import { EFAULT, ESRCH, errname } from "../include/errno.js";
import { do_mprotect } from "../mm/mprotect.js";
import { do_mremap } from "../mm/mremap.js";
import { collapse_huge_page } from "../mm/khugepaged.js";
import { try_to_merge_two_pages } from "../mm/ksm.js";
import { uprobe_register, uprobe_unregister } from "../kernel/events/uprobes.js";
import { do_pages_move } from "../mm/migrate.js";
import { iomem_lookup, type Kernel } from "../mm/kernel.js";
import { handle_mm_fault } from "../mm/memory.js";
import { PAGE_SIZE, linear_page_index, type MmStruct, type Vma } from "../mm/mm.js";
import { dup_mmap, mmput } from "../kernel/fork.js";
import { KernelBug, RunError } from "../engine/bug.js";
import { fatal_signal_pending, handle_signal, send_sig, signal_pending } from "../engine/signal.js";
import { sample } from "./sample.js";
import { vfio_pci_core_mmap_fop, vfio_pci_ioctl_pci_hot_reset, vfio_pci_ioctl_reset, vfio_pci_runtime_pm_entry, vfio_pci_runtime_pm_exit, type VfioPciCoreDevice } from "../drivers/vfio/pci/vfio_pci_core.js";
import { vfio_basic_config_write, vfio_pm_config_write } from "../drivers/vfio/pci/vfio_pci_config.js";
import { PCI_D0, PCI_D3hot } from "../drivers/pci/pci.js";
import { vfio_dma_do_map } from "../drivers/vfio/vfio_iommu_type1.js";
import { vfio_pci_bar_rw } from "../drivers/vfio/pci/vfio_pci_rdwr.js";
import type { NormalizedOp } from "./normalize.js";

/** What the operations of a running scenario act on. */
export interface OpEnv {
  /** rw_semaphores by name (mmap_lock among them when there is an mm). */
  readonly rwsems: ReadonlyMap<string, RwSemaphore>;
  /** Mutexes by name. */
  readonly mutexes: ReadonlyMap<string, Mutex>;
  /** The modelled kernel, when the scenario has an mm. */
  readonly kernel: Kernel | null;
  /**
   * VMAs by name, as the scenario declares them (a forked child has copies
   * at the same addresses); an mremap op moves its VMA and the name follows
   * it: from then on every op's `vma` means the new range, in every task.
   */
  readonly vmas: Map<string, Vma>;
  /** Page sets GUP ops hold (`hold`), by name, until a put_page or unpin_user_pages op releases them. */
  readonly held: Map<string, GupPages>;
  /** Names of the tasks fork ops create. */
  readonly forked: ReadonlySet<string>;
  /** Tasks that ran an exit op: they run no further op. */
  readonly exited: Set<string>;
  /** vfio-pci devices by name (the scenario's `mm.devices`). */
  readonly devices: ReadonlyMap<string, VfioPciCoreDevice>;
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
 * of the steps it spans; each returns to user mode, where pending signals
 * are delivered.
 */
export function* runOps(t: Task, ops: readonly NormalizedOp[], env: OpEnv): KernelGen {
  for (const op of ops) {
    if (env.exited.has(t.name)) return;
    t.sim.charge();
    t.sim.setOpaque(t, opaque(op, env));
    yield* runOp(t, op, env);
    exit_to_user_mode(t, env);
  }
}

/**
 * Return to user mode (`exit_to_user_mode_loop()` -> `arch_do_signal_or_restart()`):
 * SIGKILL ends the task's process (`do_group_exit()`), a caught signal runs
 * its handler. Not while the task holds a lock an op took and kept (a lock
 * op stands for a kernel path still running) or has IRQs off.
 */
function exit_to_user_mode(t: Task, env: OpEnv): void {
  if (!signal_pending(t) || t.held.length > 0 || t.irqsDisabled > 0 || env.exited.has(t.name)) return;
  if (fatal_signal_pending(t)) do_group_exit(t, env);
  else handle_signal(t);
}

/**
 * `do_group_exit()` for SIGKILL: `zap_other_threads()` sends SIGKILL to
 * the other scenario tasks in the same address space, the task stops, and
 * the last task out of the address space tears it down (`exit_mm()` ->
 * `mmput()`). vCPU and userfaultfd handler threads are not signalled: while
 * one lives, the address space stays.
 */
function do_group_exit(t: Task, env: OpEnv): void {
  t.sim.event(t, "signal_deliver", "do_group_exit", { sig: "SIGKILL" });
  env.exited.add(t.name);
  const k = env.kernel;
  if (!k) return;
  const mm = k.get_task_mm(t.name, env.forked);
  if (!mm) return;
  const others = t.sim.tasks.filter((o) => o !== t && !env.exited.has(o.name) && o.state !== "exited" && k.get_task_mm(o.name, env.forked) === mm);
  for (const o of others) if (o.returnsToUser) send_sig(o, "SIGKILL");
  if (others.length > 0) return;
  mmput(k, t, mm);
  k.set_mm(t.name, null);
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
      const addr = address(env, op);
      for (;;) {
        const ret = yield* do_user_addr_fault(k, t, addr, op.write);
        t.sim.event(t, "call", "do_user_addr_fault", { vma: op.vma, page: op.page }, flagNames("VM_FAULT", VM_FAULT, ret));
        // Left unresolved to deliver a caught signal: the handler runs, then the access executes again.
        if (!(ret & (VM_FAULT.RETRY | VM_FAULT.NOPAGE)) || !signal_pending(t) || fatal_signal_pending(t)) return;
        handle_signal(t);
        const pte = k.current_mm(t).pte(addr);
        if (pte?.kind === "present" && (pte.write || !op.write)) return;
      }
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
    case "kill": {
      // kill_pid_info(): no such task yet (a child not forked) or any more: -ESRCH.
      const target = t.sim.tasks.find((o) => o.name === op.task);
      const alive = target !== undefined && target.state !== "exited" && !env.exited.has(target.name);
      if (alive) send_sig(target, op.signal);
      t.sim.event(t, "call", "kill", { task: op.task, sig: op.signal }, alive ? 0 : errname(ESRCH));
      return;
    }
    case "exit": {
      // do_exit() -> exit_mm() -> mmput(): the forked child's address space goes; the task stops here.
      const k = env.kernel!;
      const mm = k.current_mm(t);
      mmput(k, t, mm);
      k.set_mm(t.name, null);
      t.sim.event(t, "call", "exit", {}, 0);
      env.exited.add(t.name);
      return;
    }
    case "put_page":
    case "unpin_user_pages": {
      // put_page() on each page of a get_user_pages* set, unpin_user_pages() on a pin_user_pages* set (the validator pairs them).
      const set = heldSet(env, op.op, op.pages);
      env.held.delete(op.pages);
      for (const f of set.folios) gup_put_folio(env.kernel!, f, set.gup_flags);
      t.sim.event(t, "call", op.op, { pages: op.pages, nr_pages: set.folios.length }, 0);
      return;
    }
    case "dma_write":
    case "dma_read": {
      const folio = heldSet(env, op.op, op.pages).folios[op.index];
      if (!folio) throw new RunError(`${op.op}: page set ${op.pages} has no page ${op.index} (the GUP call returned fewer pages)`);
      if (op.op === "dma_write") folio.data = op.value;
      t.sim.event(t, "call", op.op, { pages: op.pages, index: op.index, pfn: folio.pfn, ...(op.op === "dma_write" ? { value: op.value } : {}) }, op.op === "dma_write" ? 0 : folio.data);
      return;
    }
    case "store":
    case "load":
      return yield* loadStore(t, op, env);
    case "fork": {
      const k = env.kernel!;
      const mm = yield* dup_mmap(k, t, k.current_mm(t), op.child.name);
      k.set_mm(op.child.name, mm);
      const child = op.child.ops as readonly NormalizedOp[];
      t.sim.spawn(op.child.name, (c) => runOps(c, child, env), { opaque: false, returnsToUser: true });
      t.sim.event(t, "call", "fork", { child: op.child.name }, 0);
      return;
    }
    case "munmap": {
      const k = env.kernel!;
      const ret = yield* do_munmap(k, t, k.current_mm(t), address(env, { vma: op.vma, page: 0 }));
      t.sim.event(t, "call", "munmap", { vma: op.vma }, ret);
      return;
    }
    case "collapse_huge_page": {
      const k = env.kernel!;
      const ret = yield* collapse_huge_page(k, t, k.current_mm(t), address(env, op), sample(t.prng, op.pteNs));
      t.sim.event(t, "call", "collapse_huge_page", { vma: op.vma, page: op.page }, ret);
      return;
    }
    case "ksm_merge": {
      const k = env.kernel!;
      const mm = k.current_mm(t);
      const side = (x: { vma: string; page: number }) => {
        const vma = mm.vmas.find((v) => v.name === x.vma);
        return vma ? { vma, address: address(env, x) } : null;
      };
      const a = side(op);
      const b = side(op.with);
      const merged = a && b ? yield* try_to_merge_two_pages(k, t, a, b) : false;
      t.sim.event(t, "call", "try_to_merge_two_pages", { vma: op.vma, page: op.page, with: `${op.with.vma}:${op.with.page}` }, merged ? 0 : errname(EFAULT));
      return;
    }
    case "mremap": {
      const k = env.kernel!;
      const r = yield* do_mremap(k, t, k.current_mm(t), address(env, { vma: op.vma, page: 0 }));
      if (typeof r !== "number") env.vmas.set(op.vma, r);
      t.sim.event(t, "call", "mremap", { vma: op.vma, ...(typeof r === "number" ? {} : { to: r.start }) }, typeof r === "number" ? errname(r) : 0);
      return;
    }
    case "uprobe_register":
    case "uprobe_unregister": {
      // The probe is the inode and offset the scenario's VMA maps at page (the validator requires a file or shmem VMA).
      const vma = env.vmas.get(op.vma)!;
      const offset = linear_page_index(vma, address(env, op));
      const call = op.op === "uprobe_register" ? uprobe_register : uprobe_unregister;
      const ret = yield* call(env.kernel!, t, vma.file!, offset);
      t.sim.event(t, "call", op.op, { vma: op.vma, page: op.page }, errname(ret));
      return;
    }
    case "move_pages": {
      const k = env.kernel!;
      const r = yield* do_pages_move(k, t, k.current_mm(t), address(env, op), op.nr_pages, op.node, { copyNs: sample(t.prng, op.copyNs) });
      const status = r.status.map((x) => (x === null ? "unset" : x < 0 ? errname(x) : String(x))).join(",");
      t.sim.event(t, "call", "move_pages", { vma: op.vma, page: op.page, nr_pages: op.nr_pages, node: op.node, status }, r.ret < 0 ? errname(r.ret) : r.ret);
      return;
    }
    case "mprotect": {
      const k = env.kernel!;
      const ret = yield* do_mprotect(k, t, k.current_mm(t), address(env, { vma: op.vma, page: 0 }), op.prot === "PROT_READ|PROT_WRITE");
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
    case "vfio_pci_config_write": {
      const ret = yield* vfio_basic_config_write(env.kernel!, t, env.devices.get(op.device)!, op.memory);
      t.sim.event(t, "call", "vfio_basic_config_write", { device: op.device, PCI_COMMAND_MEMORY: op.memory }, errname(ret));
      return;
    }
    case "mmap": {
      // The validator allows it on a deferred vfio-bar VMA only: the device is the one whose inode the VMA maps.
      const k = env.kernel!;
      const vma = env.vmas.get(op.vma)!;
      const vdev = [...env.devices.values()].find((d) => d.inode === vma.file)!;
      const ret = yield* mmap_region(t, k.mm, vma, (x) => vfio_pci_core_mmap_fop(k, x, vdev, vma));
      t.sim.event(t, "call", "mmap", { vma: op.vma }, ret ? errname(ret) : vma.start);
      return;
    }
    case "vfio_pci_bar_read": {
      const ret = yield* vfio_pci_bar_rw(env.kernel!, t, env.devices.get(op.device)!, op.bar, op.offset, address(env, op));
      t.sim.event(t, "call", "vfio_pci_bar_rw", { device: op.device, bar: op.bar, offset: op.offset, vma: op.vma, page: op.page }, ret > 0 ? ret : errname(ret));
      return;
    }
    case "vfio_dma_map": {
      const k = env.kernel!;
      const r = yield* vfio_dma_do_map(k, t, k.current_mm(t), address(env, op), op.nr_pages, op.write);
      t.sim.event(t, "call", "VFIO_IOMMU_MAP_DMA", { vma: op.vma, page: op.page, nr_pages: op.nr_pages, mapped: r.pfns.length, faults: r.faults }, errname(r.ret));
      return;
    }
    case "vfio_pm_config_write": {
      const ret = yield* vfio_pm_config_write(env.kernel!, t, env.devices.get(op.device)!, op.state === "D3hot" ? PCI_D3hot : PCI_D0);
      t.sim.event(t, "call", "vfio_pm_config_write", { device: op.device, state: `PCI_${op.state}` }, errname(ret));
      return;
    }
    case "vfio_device_feature_low_power_entry":
    case "vfio_device_feature_low_power_exit": {
      const entry = op.op === "vfio_device_feature_low_power_entry";
      const ret = yield* (entry ? vfio_pci_runtime_pm_entry : vfio_pci_runtime_pm_exit)(env.kernel!, t, env.devices.get(op.device)!);
      t.sim.event(t, "call", entry ? "VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY" : "VFIO_DEVICE_FEATURE_LOW_POWER_EXIT", { device: op.device }, errname(ret));
      return;
    }
    case "vfio_device_reset":
    case "vfio_pci_hot_reset": {
      const reset = op.op === "vfio_device_reset" ? vfio_pci_ioctl_reset : vfio_pci_ioctl_pci_hot_reset;
      const ret = yield* reset(env.kernel!, t, env.devices.get(op.device)!);
      t.sim.event(t, "call", op.op === "vfio_device_reset" ? "VFIO_DEVICE_RESET" : "VFIO_DEVICE_PCI_HOT_RESET", { device: op.device }, errname(ret));
      return;
    }
    case "repeat":
      for (let i = 0; i < op.count; i++) yield* runOps(t, op.ops as readonly NormalizedOp[], env);
      return;
  }
}

/** The page set named `name` an op acts on; a run error if no GUP op holds it now (released already, or its GUP call came later). */
function heldSet(env: OpEnv, op: string, name: string): GupPages {
  const set = env.held.get(name);
  if (!set) throw new RunError(`${op}: no page set named ${name} is held (not taken yet, or already released)`);
  return set;
}

/**
 * A user store or load (`user_access()`): the value is written to, or read
 * from, the page the access reaches, or the device memory of a vfio-pci
 * BAR (`pci_mmio_access()`). A caught signal that interrupted the
 * fault runs its handler and the access runs again; an error or SIGKILL
 * ends it with the fault's VM_FAULT_* bits as its result.
 */
function* loadStore(t: Task, op: Extract<NormalizedOp, { op: "store" | "load" }>, env: OpEnv): KernelGen {
  const k = env.kernel!;
  const args = { vma: op.vma, page: op.page, ...(op.op === "store" ? { value: op.value } : {}) };
  for (;;) {
    const r = yield* user_access(k, t, address(env, op), op.op === "store");
    if ("folio" in r) {
      // A raw pfn inside a device's BAR (iomem_resource): the access goes to the device, which may not decode it.
      const res = r.pfn === undefined ? undefined : iomem_lookup(k, r.pfn);
      if (res) {
        const read = res.access(t, r.pfn!, op.op === "store" ? { value: op.value } : null);
        t.sim.event(t, "call", op.op, args, read);
        return;
      }
      if (op.op === "store" && r.folio) r.folio.data = op.value;
      t.sim.event(t, "call", op.op, args, op.op === "store" ? 0 : (r.folio?.data ?? null));
      return;
    }
    if (r.fault & VM_FAULT_ERROR || fatal_signal_pending(t)) {
      t.sim.event(t, "call", op.op, args, flagNames("VM_FAULT", VM_FAULT, r.fault));
      return;
    }
    handle_signal(t);
  }
}

/** A GUP call as its callers make it, then the release (put_page or unpin_user_page) of every page it returned, unless the op holds them. */
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
  // pin_user_pages*(): the get_user_pages* entry point with FOLL_PIN.
  const pin = op.call.startsWith("pin_");
  const entry = op.call.replace("pin_user_pages", "get_user_pages");
  const flags = parseFlags("FOLL", FOLL, op.flags) | (pin ? FOLL.PIN : 0);
  const pages: Folio[] | null = op.pages ? [] : null;
  let ret: number;
  if (entry === "get_user_pages_fast") {
    ret = yield* get_user_pages_fast(k, t, start, nr, flags, pages ?? [], sample(t.prng, op.pteNs));
  } else if (entry === "get_user_pages_unlocked") {
    ret = yield* get_user_pages_unlocked(k, t, start, nr, pages, flags);
  } else {
    yield* mm.mmap_lock.down_read(t);
    const locked: Locked | null = entry === "get_user_pages_remote" && op.locked ? { locked: true } : null;
    ret = entry === "get_user_pages" ? yield* get_user_pages(k, t, start, nr, flags, pages) : yield* get_user_pages_remote(k, t, mm, start, nr, flags, pages, locked);
    if (!locked || locked.locked) mm.mmap_lock.up_read(t);
  }
  t.sim.event(t, "call", op.call, { vma: op.vma, page: op.page, nr_pages: nr, pinned: pages ? pages.length : 0, mmap_lock: mmapLockState(mm, t), ...(op.hold ? { hold: op.hold } : {}) }, ret);
  const set: GupPages = { folios: pages ?? [], gup_flags: pin ? FOLL.PIN : FOLL.GET };
  if (op.hold) {
    if (env.held.has(op.hold)) throw new KernelBug(`${op.call}: page set ${op.hold} is already held; release it first`);
    env.held.set(op.hold, set);
  } else {
    for (const f of set.folios) gup_put_folio(k, f, set.gup_flags);
  }
}
