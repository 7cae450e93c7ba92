/**
 * Uprobes' breakpoint installation and removal, kernel/events/uprobes.c
 * (2b1444983508, v3.5): `uprobe_register()` walks every mapping of the
 * probed file (`register_for_each_vma()`), and in each VMA `valid_vma()`
 * accepts, under mmap_lock for write, `install_breakpoint()` ->
 * `set_swbp()` -> `uprobe_write_opcode()` looks the page up with
 * `get_user_pages_remote(FOLL_FORCE | FOLL_SPLIT_PMD)`, copies it into a
 * new anonymous page, writes the breakpoint there, and `__replace_page()`
 * maps the copy in place of the old page. Nothing looks at the old page's
 * refcount: a GUP reference or pin on it stays on a page the process no
 * longer maps (Kirill Shutemov, linux-mm, May 2016: "I don't see any check
 * page_count() around __replace_page() in uprobes, so it can easily replace
 * pinned page").
 *
 * Read against kernel/events/uprobes.c at torvalds/linux 013b2deba9a6
 * (v5.8 by its `mem_cgroup_charge(page, mm, gfp)` and
 * `lru_cache_add_active_or_unevictable()`; "Called with mm->mmap_sem held
 * for write"), a v4.x
 * `uprobe_write_opcode()` (FOLL_FORCE | FOLL_SPLIT, no original-page
 * restore), and the folio `__replace_page()` in the context of the 2025
 * device-exclusive fix ("Handle PFN swap PTES", a v6.14-era tree; taken as
 * v6.12's, not checked against that tag: `folio_lock()`,
 * `folio_add_new_anon_rmap(.., RMAP_EXCLUSIVE)`, `ptep_clear_flush()`,
 * `set_pte_at()`, `folio_remove_rmap_pte()`, `folio_put()`). None of them
 * checks for pins. Not modelled: THP (FOLL_SPLIT, later FOLL_SPLIT_PMD, and
 * `collapse_pte_mapped_thp()`), ref_ctr_offset semaphores, consumers and
 * filters, the XOL area and breakpoint hits, `uprobe_mmap()` on later
 * mmaps. The 2025 rework ("kernel/events/uprobes: uprobe_write_opcode()
 * rewrite", David Hildenbrand, after v6.12; mainline commit not identified)
 * unshares with FOLL_WRITE and writes the opcode into the anonymous page in
 * place; no profile here has it.
 *
 * @module
 */
import { NotInProfile, RunError } from "../../engine/bug.js";
import type { KernelGen, Task } from "../../engine/task.js";
import { flush_tlb_mm_range } from "../../arch/x86/mm/tlb.js";
import { EAGAIN } from "../../include/errno.js";
import { FOLL, VM } from "../../mm/flags.js";
import { folio_lock, folio_unlock, type Folio } from "../../mm/folio.js";
import { get_user_pages_remote, gup_put_folio } from "../../mm/gup.js";
import type { Kernel } from "../../mm/kernel.js";
import { PAGE_SIZE, linear_page_index, vma_is_shared, type MmStruct, type Vma } from "../../mm/mm.js";
import type { AddressSpace } from "../../mm/pagecache.js";
import { mmget_not_zero, mmput } from "../fork.js";
import { anon_folio_alloc } from "../../mm/rmap.js";

/**
 * UPROBE_SWBP_INSN on x86 (arch/x86/include/asm/uprobes.h): int3, 0xcc.
 * A page's `data` is the last value stored in it, so a page holding the
 * breakpoint has data 0xcc (204).
 */
export const UPROBE_SWBP_INSN = 0xcc;

/** `struct uprobe`, as far as breakpoint installation needs it: the probed inode and offset, and the original instruction. */
export interface Uprobe {
  /** `uprobe->inode`: the probed file's page cache. */
  readonly inode: AddressSpace;
  /** `uprobe->offset`, in pages. */
  readonly offset: number;
  /** `uprobe->arch.insn`: the original instruction (the file page's data), copied by the first install (UPROBE_COPY_INSN); null before. */
  insn: number | null;
}

/** `uprobes_tree`: the registered uprobes of each modelled kernel, by inode and offset. */
const uprobes_tree = new WeakMap<Kernel, Map<string, Uprobe>>();

function uprobe_key(inode: AddressSpace, offset: number): string {
  return `${inode.name}:${offset}`;
}

/**
 * `valid_vma()` (as in the v5.8 copy read; older forms not checked): a file mapping with
 * VM_MAYEXEC and neither VM_MAYSHARE nor VM_HUGETLB, and for registering
 * not VM_WRITE ("Relax restrictions while unregistering: vm_flags might
 * have changed after breakpoint was inserted"). The model's VM_SHARED
 * stands for VM_MAYSHARE (every MAP_SHARED VMA here has it); it has no
 * hugetlb VMAs.
 */
export function valid_vma(vma: Vma, is_register: boolean): boolean {
  if (vma.file === null || vma_is_shared(vma)) return false;
  return (vma.vm_flags & (VM.MAYEXEC | (is_register ? VM.WRITE : 0))) === VM.MAYEXEC;
}

/**
 * `__replace_page()`: with the old folio locked, if `addr` still maps it
 * (`page_vma_mapped_walk()`, else -EAGAIN), map `new_folio` there
 * read-only and clean (`mk_pte(new_page, vma->vm_page_prot)`), or nothing
 * when it is null; the old folio loses that mapping and the mapping's
 * reference, all under the PTE lock the walk takes (a fault on the page
 * waits for it).
 */
function* __replace_page(k: Kernel, t: Task, vma: Vma, addr: number, old_folio: Folio, new_folio: Folio | null): KernelGen<number> {
  const mm = vma.vm_mm;
  yield* folio_lock(t, old_folio);
  const ptl = yield* mm.pte_offset_map_lock(t, addr);
  const pte = mm.pte(addr);
  if (!ptl || pte?.kind !== "present" || pte.folio !== old_folio) {
    if (ptl) mm.pte_unmap_unlock(ptl);
    folio_unlock(old_folio);
    return EAGAIN;
  }
  // ptep_clear_flush(): the PTE is none, and every CPU has dropped it, before the new one is set; the mapcounts follow the PTE.
  mm.clear_pte(addr);
  old_folio.mapcount--;
  yield* flush_tlb_mm_range(k, t, mm);
  if (new_folio) {
    // folio_get() for the mapping; folio_add_new_anon_rmap() ran when anon_folio_alloc() made it.
    mm.set_pte(addr, { kind: "present", folio: new_folio, write: false });
    new_folio.refcount++;
    new_folio.mapcount++;
  }
  mm.pte_unmap_unlock(ptl);
  // folio_put() of the old folio: no look at what else holds it.
  old_folio.refcount--;
  if (k.sim.tracing) k.sim.event(t, "uprobe", "__replace_page", { old: old_folio.pfn, new: new_folio?.pfn ?? null });
  folio_unlock(old_folio);
  return 0;
}

/**
 * `verify_opcode()`: 1 if the page needs the write, 0 if registering finds
 * the breakpoint already there or unregistering finds none.
 */
function verify_opcode(page: Folio, opcode: number): number {
  const is_swbp = page.data === UPROBE_SWBP_INSN;
  return (opcode === UPROBE_SWBP_INSN) === is_swbp ? 0 : 1;
}

/**
 * `uprobe_write_opcode()` (v3.5 until the 2025 rework): write `opcode` at `vaddr` of
 * `vma`'s mm (mmap_lock held for write) by replacing the page with a new
 * anonymous copy holding it; 0 or a negative errno. GUP takes the page with
 * FOLL_FORCE (FOLL_SPLIT_PMD when registering, FOLL_SPLIT before v5.4: no
 * THP here, so neither splits anything) and keeps its reference until the
 * end; -EAGAIN from `__replace_page()` starts over. Since Song Liu's
 * "uprobe: use original page when all uprobes are removed" (v5.4),
 * unregistering leaves a non-anonymous page alone and, if the restored
 * copy equals the page cache's page, unmaps the anonymous page instead of
 * mapping the copy, so the next fault maps the file's page again.
 */
export function* uprobe_write_opcode(k: Kernel, t: Task, vma: Vma, vaddr: number, opcode: number): KernelGen<number> {
  const mm = vma.vm_mm;
  const is_register = opcode === UPROBE_SWBP_INSN;
  for (;;) {
    t.sim.charge();
    const pages: Folio[] = [];
    const ret = yield* get_user_pages_remote(k, t, mm, vaddr, 1, FOLL.FORCE | (is_register ? FOLL.SPLIT_PMD : 0), pages, null);
    if (ret <= 0) return ret;
    const old_folio = pages[0]!;
    const err = yield* write_opcode_page(k, t, vma, vaddr, old_folio, opcode, is_register);
    gup_put_folio(k, old_folio, FOLL.GET);
    if (err !== EAGAIN) return err;
  }
}

/** The part of `uprobe_write_opcode()` between the GUP and `put_page(old_page)`. */
function* write_opcode_page(k: Kernel, t: Task, vma: Vma, vaddr: number, old_folio: Folio, opcode: number, is_register: boolean): KernelGen<number> {
  if (verify_opcode(old_folio, opcode) <= 0) return 0;
  const orig_page = k.behaviour.uprobes === "orig_page";
  if (orig_page && !is_register && old_folio.mapping !== null) return 0;
  // anon_vma_prepare(); alloc_page_vma(); copy_highpage() then copy_to_page() of the opcode: its last store is the opcode.
  vma.anon_vma = true;
  let new_folio: Folio | null = anon_folio_alloc(k, linear_page_index(vma, vaddr), opcode);
  if (orig_page && !is_register) {
    // find_get_page() of the file's page; pages_identical() lets the new page go.
    const cached = vma.file!.pages.get(linear_page_index(vma, vaddr));
    if (cached?.uptodate && cached.data === new_folio.data) {
      new_folio.refcount--;
      new_folio = null;
    }
  }
  const err = yield* __replace_page(k, t, vma, vaddr, old_folio, new_folio);
  if (new_folio) new_folio.refcount--;
  return err;
}

/**
 * `prepare_uprobe()` -> `copy_insn()`: the first install copies the
 * original instruction from the file (`read_mapping_page()`); a page not in
 * the page cache holds the file's data, 0 in the model (its read IO is not
 * modelled here).
 */
function prepare_uprobe(uprobe: Uprobe): number {
  uprobe.insn ??= uprobe.inode.pages.get(uprobe.offset)?.data ?? 0;
  return uprobe.insn;
}

/** `install_breakpoint()` -> `set_swbp()`: the breakpoint at `vaddr`. */
function* install_breakpoint(k: Kernel, t: Task, uprobe: Uprobe, vma: Vma, vaddr: number): KernelGen<number> {
  prepare_uprobe(uprobe);
  return yield* uprobe_write_opcode(k, t, vma, vaddr, UPROBE_SWBP_INSN);
}

/** `remove_breakpoint()` -> `set_orig_insn()`: the original instruction back at `vaddr`. */
function* remove_breakpoint(k: Kernel, t: Task, uprobe: Uprobe, vma: Vma, vaddr: number): KernelGen<number> {
  return yield* uprobe_write_opcode(k, t, vma, vaddr, prepare_uprobe(uprobe));
}

/**
 * `register_for_each_vma()`: for every mm mapping the inode at the offset
 * ({@link build_map_info}), under its mmap_lock for write, find
 * the VMA again and, if `valid_vma()` accepts it, install or remove the
 * breakpoint. A VMA valid_vma() refuses is skipped without an error.
 * Returns the first error.
 */
function* register_for_each_vma(k: Kernel, t: Task, uprobe: Uprobe, is_register: boolean): KernelGen<number> {
  let err = 0;
  for (const mm of build_map_info(uprobe)) {
    yield* mm.mmap_lock.down_write(t);
    const vma = mm.vmas.find((v) => vma_maps_offset(v, uprobe)) ?? null;
    if (vma && valid_vma(vma, is_register)) {
      const vaddr = vma.start + (uprobe.offset - vma.pgoff) * PAGE_SIZE;
      const ret = is_register ? yield* install_breakpoint(k, t, uprobe, vma, vaddr) : yield* remove_breakpoint(k, t, uprobe, vma, vaddr);
      if (!err) err = ret;
    } else if (k.sim.tracing) k.sim.event(t, "uprobe", "valid_vma", { vma: vma?.name ?? "none", is_register }, false);
    mm.mmap_write_unlock(t);
    mmput(k, t, mm);
  }
  return err;
}

/**
 * `build_map_info()`: the address spaces whose VMAs in the inode's `i_mmap`
 * map the uprobe's page now, each once and with a reference
 * (`mmget_not_zero()`), so an exit meanwhile leaves it standing until `mmput()`.
 */
function build_map_info(uprobe: Uprobe): MmStruct[] {
  const mms = new Set<MmStruct>();
  for (const vma of uprobe.inode.i_mmap) if (vma_maps_offset(vma, uprobe)) mms.add(vma.vm_mm);
  return [...mms].filter(mmget_not_zero);
}

/** Whether `vma` maps the uprobe's inode at its offset (`vaddr_to_offset()` within the VMA). */
function vma_maps_offset(vma: Vma, uprobe: Uprobe): boolean {
  return vma.file === uprobe.inode && uprobe.offset >= vma.pgoff && uprobe.offset < vma.pgoff + (vma.end - vma.start) / PAGE_SIZE;
}

/**
 * `uprobe_register()` of `inode` at page `offset`: a uprobe in the tree
 * and a breakpoint in every valid mapping; 0 or the first error. Profiles
 * before v3.5 have no uprobes.
 */
export function* uprobe_register(k: Kernel, t: Task, inode: AddressSpace, offset: number): KernelGen<number> {
  if (k.behaviour.uprobes === "none") throw new NotInProfile("uprobes do not exist before v3.5 (2b1444983508)");
  let tree = uprobes_tree.get(k);
  if (!tree) uprobes_tree.set(k, (tree = new Map()));
  const key = uprobe_key(inode, offset);
  const uprobe = tree.get(key) ?? { inode, offset, insn: null };
  tree.set(key, uprobe);
  return yield* register_for_each_vma(k, t, uprobe, true);
}

/**
 * `uprobe_unregister()` (`uprobe_unregister_nosync()` v6.12): remove the
 * breakpoint from every mapping and the uprobe from the tree. A uprobe not
 * registered is a run error (the kernel WARNs).
 */
export function* uprobe_unregister(k: Kernel, t: Task, inode: AddressSpace, offset: number): KernelGen<number> {
  if (k.behaviour.uprobes === "none") throw new NotInProfile("uprobes do not exist before v3.5 (2b1444983508)");
  const key = uprobe_key(inode, offset);
  const uprobe = uprobes_tree.get(k)?.get(key);
  if (!uprobe) throw new RunError(`uprobe_unregister: no uprobe registered on ${inode.name} at page ${offset}`);
  uprobes_tree.get(k)!.delete(key);
  return yield* register_for_each_vma(k, t, uprobe, false);
}
