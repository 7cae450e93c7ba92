/**
 * Kernel-version profiles: which behaviour each modelled kernel version has.
 *
 * A profile is its predecessor plus a list of {@link Change}s, one line each,
 * naming the behaviour switch, its new value and the commit that made the
 * change, so a notebook can run one scenario under two kernels and a reader
 * can see exactly what differs.
 *
 * @module
 */
import type { ReaderWake } from "../engine/rwsem.js";

/** The behaviour switches the model consults. */
export interface Behaviour {
  /**
   * Which queued readers `rwsem_mark_wake()` wakes when the first waiter is a
   * reader: those before the first writer (`"head"`), or every reader in the
   * queue (`"all"`, d3681e269fff, v5.3).
   */
  readonly rwsem_reader_wake: ReaderWake;
  /**
   * FAULT_FLAG_RETRY_NOWAIT and FOLL_NOWAIT exist: with ALLOW_RETRY, a fault
   * that would wait on a page returns VM_FAULT_RETRY without dropping
   * mmap_lock (318b275fbca1, v2.6.39).
   */
  readonly fault_retry_nowait: boolean;
  /**
   * faultin_page leaves *locked set when VM_FAULT_RETRY came from a NOWAIT
   * fault, which did not drop mmap_lock (96312e61282a, v4.16).
   */
  readonly gup_nowait_keeps_locked: boolean;
  /**
   * filemap_fault drops mmap_lock before starting readahead IO on a first
   * attempt without NOWAIT, `maybe_unlock_mmap_for_io` (6b4c9f446981, v5.1).
   */
  readonly filemap_unlock_mmap_for_io: boolean;
  /**
   * `__get_user_pages_locked` keeps retrying a prefault (pages == NULL)
   * after VM_FAULT_RETRY instead of returning (df17277b2a85, v5.2).
   */
  readonly gup_prefault_retry: boolean;
  /**
   * A retried fault keeps FAULT_FLAG_ALLOW_RETRY (with TRIED) and may return
   * VM_FAULT_RETRY again; GUP's FOLL_TRIED call may retry too (4064b9827063, v5.7).
   */
  readonly fault_retry_multiple: boolean;
  /**
   * MADV_PAGEOUT exists: madvise() reclaims the range's private pages at
   * once, swapping anonymous ones out (1a4e58cce84e, v5.4).
   */
  readonly madv_pageout: boolean;
  /**
   * How `do_swap_page()` decides that a write fault may map the swapped-in
   * folio writable: `reuse_swap_page()`, mapcount plus swap count <= 1
   * (`"reuse_swap_page"`), or refcount == 1 after trying to free the swap
   * cache (`"refcount"`, c145e0b47c77, v5.18), to which v5.19 adds the swap
   * PTE's SWP_EXCLUSIVE bit (1493a1913e34, with `anon_exclusive`).
   */
  readonly swap_reuse: "reuse_swap_page" | "refcount";
  /**
   * Reclaim keeps a maybe-pinned anonymous page out of the swap cache:
   * `shrink_page_list()` checks `page_maybe_dma_pinned()` before
   * `add_to_swap()` ("goto keep_locked"), so the page stays mapped and is
   * never written out (feb889fb40fa, "mm: don't put pinned pages into the
   * swap cache", v5.11-rc4).
   */
  readonly pageout_skips_pinned: boolean;
  /**
   * do_wp_page reuses a private anonymous folio when mapcount == 1
   * (`reuse_swap_page`), or only when refcount == 1 (09854ba94c6a, v5.9).
   */
  readonly wp_reuse: "mapcount" | "refcount";
  /**
   * `do_read_fault()` first calls `do_fault_around()` -> `->map_pages`
   * (`filemap_map_pages`), mapping the cached pages of the 64 KiB window
   * around the address (8c6e50b0290c, v3.15).
   */
  readonly fault_around: boolean;
  /**
   * A write fault that installs a writable PTE reports VM_FAULT_WRITE
   * (`do_swap_page`, `wp_page_reuse`, `wp_page_copy`, `wp_page_shared`);
   * removed by cb8d86331343 (v6.2).
   */
  readonly vm_fault_write: boolean;
  /**
   * What `fault_dirty_shared_page()` does around
   * `balance_dirty_pages_ratelimited()` on a first-attempt write fault to a
   * MAP_SHARED file page: keep mmap_lock (`"locked"`), drop it and return
   * VM_FAULT_RETRY (`"retry"`, 89b15332af7c, v5.5), or drop it and return
   * VM_FAULT_COMPLETED (`"completed"`, d92725256b4f, v6.0).
   */
  readonly shared_write_throttle: "locked" | "retry" | "completed";
  /**
   * `faultin_page()` passes FAULT_FLAG_KILLABLE with FAULT_FLAG_ALLOW_RETRY
   * when the caller gave `locked` (71335f37c5e8, v5.7).
   */
  readonly gup_fault_killable: boolean;
  /**
   * Which user faults x86 `do_user_addr_fault()` first tries under the
   * per-VMA lock (`lock_vma_under_rcu()`, FAULT_FLAG_VMA_LOCK) before taking
   * mmap_lock: none; anonymous VMAs that have an anon_vma and no
   * userfaultfd, swap faults retried under mmap_lock (`"anon"`,
   * 0bff0aaea03e, v6.4); or every VMA, with swap, userfaultfd and file
   * faults handled under the VMA lock and an anon_vma prepared with
   * `mmap_read_trylock()` (`"all"`, v6.6..v6.7, as in v6.12), a `->fault`
   * only where the VMA has `->map_pages` (`vmf_can_call_fault()`,
   * 12214eba1992): any other, a driver's, retries under mmap_lock.
   */
  readonly per_vma_lock: "none" | "anon" | "all";
  /**
   * How KVM's `hva_to_pfn()` makes an async-capable attempt after GUP-fast
   * missed: a blocking `get_user_pages_fast()` that waits for the IO, async
   * only if even that fails (`"get_user_pages_fast"`, af585b921e5d as merged
   * in v2.6.38: "this makes everything synchronous again");
   * `get_user_page_nowait()`, `__get_user_pages(FOLL_NOWAIT)` under
   * mmap_sem (`"get_user_page_nowait"`, v2.6.39); or
   * `get_user_pages_unlocked(FOLL_NOWAIT)` (`"get_user_pages_unlocked"`,
   * ce53053ce378, v4.15).
   */
  readonly kvm_async_gup: "get_user_pages_fast" | "get_user_page_nowait" | "get_user_pages_unlocked";
  /**
   * How `async_pf_execute()` faults the page in: `get_user_pages()` taking
   * the page, mmap_sem held across the IO (`"get_user_pages"`, v2.6.38), or
   * `get_user_pages_remote(pages=NULL, &locked)`, which may drop it
   * (`"remote_locked"`, 5b56d49fc31d, v4.10).
   */
  readonly async_pf_gup: "get_user_pages" | "remote_locked";
  /**
   * MADV_POPULATE_(READ|WRITE): absent (`"none"`); populating with one
   * `__get_user_pages()` call per step, which returns 0 after a
   * VM_FAULT_RETRY and never sets FOLL_TRIED (`"get_user_pages"`,
   * 4ca9b3859dac, v5.14); or with `__get_user_pages_locked()`, which retries
   * with FOLL_TRIED (`"get_user_pages_locked"`, 631426ba1d45, v6.9).
   */
  readonly madv_populate: "none" | "get_user_pages" | "get_user_pages_locked";
  /**
   * x86 signal delivery copies the fpu state to the user stack with page
   * faults disabled and prefaults with get_user_pages_unlocked() on failure
   * (`copy_fpstate_to_sigframe()`'s loop, d9c9ce34ed5c, v5.2-rc1).
   */
  readonly fpu_sigframe_prefault: boolean;
  /**
   * `do_async_mmap_readahead()` returns at once when readahead is off
   * (ra_pages == 0) instead of dropping mmap_lock for a readahead that does
   * nothing (5c72feee3e45, v5.7).
   */
  readonly async_ra_checks_ra_pages: boolean;
  /** munmap() zaps the pages with mmap_lock downgraded to read (dd2283f2605e, v4.20). */
  readonly munmap_downgrade: boolean;
  /** userfaultfd exists (86039bd3b4e6, v4.3). */
  readonly userfaultfd: boolean;
  /**
   * UFFDIO_REGISTER_MODE_MINOR and UFFDIO_CONTINUE on shmem (Axel
   * Rasmussen's "userfaultfd/shmem: support minor fault registration for
   * shmem", v5.14 per ioctl_userfaultfd(2); hugetlbfs had them in v5.13,
   * 7677f7fd8be7 and f619147104c8).
   */
  readonly uffd_minor_shmem: boolean;
  /**
   * What mprotect(PROT_WRITE) does to read-only PTEs: nothing, each waits for
   * a write fault (`"none"`); or a private PTE of an exclusive anonymous page
   * is made writable at once (`"exclusive_anon"`, 64fe24a3e05e, v6.0).
   */
  readonly mprotect_write_upgrade: "none" | "exclusive_anon";
  /**
   * x86 user faults pass FAULT_FLAG_INTERRUPTIBLE (FAULT_FLAG_DEFAULT,
   * c270a7eedcf2, v5.7), and `handle_userfault()` picks its sleep from the
   * fault flags (`userfaultfd_get_blocking_state()`: INTERRUPTIBLE, else
   * KILLABLE, else uninterruptible). Before, it slept interruptibly only
   * for a fault with both FAULT_FLAG_USER and KILLABLE
   * (`return_to_userland`), killably otherwise.
   */
  readonly fault_flag_interruptible: boolean;
  /**
   * After a VM_FAULT_RETRY, the x86 user fault returns at once to deliver any
   * pending signal (`fault_signal_pending()`, 8b9a65fd282c, v5.7); before,
   * it retried once unless SIGKILL was pending.
   */
  readonly fault_signal_pending: boolean;
  /**
   * `handle_userfault()` woken by a non-fatal signal in a fault that can
   * return to user mode retakes mmap_lock and returns VM_FAULT_NOPAGE
   * (before v5.7); since "userfaultfd: Don't retake mmap_sem to emulate
   * NOPAGE" (same v5.7 series as c270a7eedcf2) it returns VM_FAULT_RETRY.
   */
  readonly uffd_signal_nopage: boolean;
  /**
   * `handle_userfault()` sleeps once and returns VM_FAULT_RETRY, whatever
   * woke it (f9bf352224d7, v5.9); before, it slept again after a wake-up
   * that neither resolved its fault nor was a signal it heeds (the
   * `uwq.waken` loop), so a spurious wake-up cost nothing.
   */
  readonly uffd_single_schedule: boolean;
  /**
   * How UFFDIO_COPY and UFFDIO_CONTINUE lock the destination
   * (`mfill_atomic()`): mmap_lock for read across the operation, or from
   * 867a43a34ff8 (v6.9, "userfaultfd: use per-vma locks in userfaultfd
   * operations") the VMA's own lock (`uffd_mfill_lock()`).
   */
  readonly uffd_mfill_lock: "mmap_lock" | "vma_lock";
  /**
   * KVM_CAP_EXIT_ON_MISSING (Anish Moorthy's series, v7 2024-02-15, not
   * merged): in a memslot with KVM_MEM_EXIT_ON_MISSING a stage-2 fault
   * makes an atomic `hva_to_pfn()` (GUP-fast only, no mmap_lock, never
   * `handle_userfault()`) and exits with KVM_EXIT_MEMORY_FAULT when it
   * finds no present PTE. Set only by a patch.
   */
  readonly kvm_exit_on_missing: boolean;
  /**
   * KVM sets {@link PF_NO_UFFD_WAIT} on the vCPU thread for the duration
   * of KVM_RUN (Sean Christopherson's sketch of 2022-12-03, not merged): a
   * fault that would wait in userfaultfd fails, and KVM_RUN returns
   * -EFAULT with KVM_EXIT_MEMORY_FAULT. Set only by a patch.
   */
  readonly kvm_pf_no_uffd_wait: boolean;
  /**
   * GUP's VM_FAULT_RETRY loop (`__get_user_pages_locked()`) stops at a
   * pending SIGKILL with -EINTR and retakes mmap_lock killably (4426e945df58,
   * ae46d2aa6a7f, v5.7); before, it retook it uninterruptibly and made one
   * more call without a signal check.
   */
  readonly gup_retry_fatal_signal: boolean;
  /**
   * What `__get_user_pages()` returns when SIGKILL is pending before a page
   * and none was done: -ERESTARTSYS (v4.19, and v5.7-rc per the 2020-04
   * thread on ae46d2aa6a7f) or -EINTR (in the context of 17839856fd58, v5.8-rc1,
   * and in v5.10.13; the commit between is not identified).
   */
  readonly gup_fatal_errno: "ERESTARTSYS" | "EINTR";
  /**
   * pin_user_pages*() and FOLL_PIN with counted pins: a pin adds
   * GUP_PIN_COUNTING_BIAS (1024) to a small folio's refcount, so
   * `folio_maybe_dma_pinned()` can tell (eddb1c228f79 v5.6, 3faa52c03f44
   * v5.7). Profiles without it refuse the pin calls.
   */
  readonly foll_pin: boolean;
  /**
   * Whether FOLL_PIN pins the shared zero page like any page; not since
   * "mm: Don't pin ZERO_PAGE in pin_user_pages()" (c8070b787519; v6.5 by a
   * vfio mail, not checked against a tree).
   */
  readonly pin_zero_page: boolean;
  /**
   * fork copies a maybe-pinned anonymous page into the child at once
   * (`copy_present_page()`, 70e806e4e645 v5.9, with MMF_HAS_PINNED from
   * 008cfe4418b3): the parent keeps the pinned page mapped writable, and
   * no later COW can move it away from the pin.
   */
  readonly fork_copy_pinned: boolean;
  /**
   * The anonymous COW rework (v5.19): PageAnonExclusive marks a page one
   * process maps alone (6c287605fd56); a write fault reuses such a page
   * whatever its refcount, so a pin no longer forces a copy; fork shares a
   * page only after clearing the mark, and copies a maybe-pinned exclusive
   * one; a R/O pin of a possibly shared anonymous page first unshares it
   * with FAULT_FLAG_UNSHARE (c89357e27f20, a7f226604170); reclaim's
   * `try_to_unmap_one()` refuses to unmap a maybe-pinned exclusive page
   * (`page_try_share_anon_rmap()`, 6c287605fd56) and marks the swap PTE of
   * an exclusive one SWP_EXCLUSIVE, which `do_swap_page()` maps exclusive
   * again (1493a1913e34).
   */
  readonly anon_exclusive: boolean;
  /**
   * GUP-fast re-checks the pmd as well as the PTE after taking its
   * reference, so a page table khugepaged detached meanwhile is noticed
   * (70cbc3cc78a9, "mm: gup: fix the fast GUP race against THP collapse",
   * 2022; before, only the PTE, which a collapse leaves intact).
   */
  readonly gup_fast_pmd_recheck: boolean;
  /**
   * After pmdp_collapse_flush(), khugepaged sends an IPI to every CPU
   * (`tlb_remove_table_sync_one()`) where page tables are freed without
   * one, so a GUP-fast walk that started before is waited out
   * (2ba99c5e0881, "mm/khugepaged: fix GUP-fast interaction by sending
   * IPI", late 2022).
   */
  readonly collapse_sync_ipi: boolean;
  /**
   * How GUP follows a FOLL_FORCE write to a private mapping without
   * VM_WRITE once the fault has broken COW (the PTE stays read-only):
   * `drop_foll_write`, the fault loop drops FOLL_WRITE and looks the page up
   * for reading (the Dirty COW race, CVE-2016-5195); `foll_cow`, it sets
   * FOLL_COW and follows a read-only PTE only if it is dirty (19be0eaffa3a,
   * v4.8.3), FOLL_COW being set when the fault reports VM_FAULT_WRITE;
   * `anon_exclusive`, only to an exclusive anonymous page (5535be309971,
   * v6.0, CVE-2022-2590; what let cb8d86331343 remove VM_FAULT_WRITE).
   */
  readonly foll_force_write: "drop_foll_write" | "foll_cow" | "anon_exclusive";
  /**
   * A write fault reuses a KSM page that only this PTE maps and nothing
   * else references (`reuse_ksm_page()`, 52d1e606ee73, v5.1; not checked
   * against a tree), until 09854ba94c6a (v5.9) copied every KSM page.
   */
  readonly wp_reuse_ksm: boolean;
  /**
   * GUP marks callers that let it drop mmap_lock with FOLL_UNLOCKABLE
   * (is_valid_gup_args(), f04740f54594, v6.3) and faultin_page() keys
   * FAULT_FLAG_ALLOW_RETRY on it, instead of on a non-NULL `locked`.
   */
  readonly foll_unlockable: boolean;
  /**
   * The vm_flags bit `vm_insert_page()` (mm/memory.c) sets on the VMA a
   * driver maps its pages into: VM_INSERTPAGE in v2.6.x (read in a
   * v2.6.38-era copy), VM_MIXEDMAP since v3.7 (read in a v6.13-era copy;
   * commit not identified). fork copies the PTEs of either
   * (`copy_page_range()` / `vma_needs_copy()`).
   */
  readonly vm_insert_page_flag: "VM_INSERTPAGE" | "VM_MIXEDMAP";
  /**
   * Uprobes (kernel/events/uprobes.c): none (`"none"`); a breakpoint
   * installed by replacing the page with an anonymous copy, and removed by
   * another copy holding the original instruction (`"new_page"`,
   * 2b1444983508, v3.5); or removed by unmapping the anonymous copy when
   * the restored page equals the page cache's, so the file's page is mapped
   * again (`"orig_page"`, Song Liu's "uprobe: use original page when all
   * uprobes are removed", v5.4 by its 2019 series; commit not identified).
   */
  readonly uprobes: "none" | "new_page" | "orig_page";
  /**
   * A FOLL_LONGTERM pin of a page that is not long-term pinnable
   * (`folio_is_longterm_pinnable()`: ZONE_MOVABLE here) unpins it, migrates
   * it out and pins again (`check_and_migrate_movable_pages()` in
   * `__gup_longterm_locked()`), and GUP-fast leaves such a page to the slow
   * path (d1e153fea2a8, "mm/gup: migrate pinned pages out of movable zone",
   * v5.13). Before, only CMA pages were migrated (`check_and_migrate_cma_pages()`,
   * which the model, having no CMA, does not reach) and a ZONE_MOVABLE page was pinned where it was.
   */
  readonly longterm_migrate_movable: boolean;
  /**
   * FOLL_LONGTERM|FOLL_WRITE pins of a shared file mapping that needs dirty
   * tracking (a regular filesystem, not shmem) are refused with -EFAULT:
   * `writable_file_mapping_allowed()` in `check_vma_flags()` (8ac268436e6d,
   * v6.5), and `folio_fast_pin_allowed()` sends GUP-fast to the slow path
   * for a file folio that is not shmem (a6e79df92e4a, v6.5).
   */
  readonly longterm_file_write_refused: boolean;
  /**
   * How vfio-pci maps a BAR a process mmaps and keeps it from reaching the
   * device while its memory is disabled (drivers/vfio/pci/vfio_pci.c, then
   * vfio_pci_core.c): `"none"`, no vfio-pci (it came in v3.6; commit not
   * identified); `"remap_pfn_range"`, `vfio_pci_mmap()` maps the whole BAR
   * at mmap and nothing ever zaps it (v3.6..v5.7); `"vma_list"`, the v5.8
   * design (11c4cd07ba11 "vfio-pci: Fault mmaps to enable vma tracking",
   * abafbc551fdd "vfio-pci: Invalidate mmaps and block MMIO access on
   * disabled memory"; copy read: v5.8.18): mmap maps nothing, the fault
   * adds the VMA to vma_list under vma_lock and memory_lock, drops
   * vma_lock, then remap_pfn_range()s the whole VMA, and type1's DMA
   * mapping faults PFNMAP ranges in (41311242221e, the same series);
   * disabling memory zaps
   * every listed VMA under each mm's mmap_lock and then takes memory_lock
   * for write; `"vma_list_locked"`, 6a45ece4c9af "vfio/pci: Handle
   * concurrent vma faults" (v5.13; the id vfio/next was merged into
   * linux-next with, mainline id not independently confirmed; copies
   * read: ~v5.15 and v6.2..v6.4):
   * vma_lock held across io_remap_pfn_range(), a VMA already listed is
   * not mapped again; `"unmap_mapping_range"`, v6.10 (b7c5e64fecfa "vfio:
   * Create vfio_fs_type with inode per device", aac6db75a9fc "vfio/pci:
   * Use unmap_mapping_range()", d71a989cf5d9 "vfio/pci: Insert full vma
   * on mmap'd MMIO fault"; read as the stable-6.6 backport diffs): the
   * fault inserts the page with vmf_insert_pfn() under memory_lock read,
   * then the rest of the VMA; disabling takes memory_lock for write and
   * unmap_mapping_range()s the device's address space; `"huge_fault"`,
   * v6.12 (f9e54c3a2f5b "vfio/pci: implement huge_fault support", Peter
   * Xu's series read as posted, "[PATCH 19/19]"): no prefault, and where
   * the PUD or PMD is none a `->huge_fault` maps a 1 GiB or 2 MiB leaf if
   * the fault address is aligned and the entry fits in the VMA, else falls
   * back to the next size, down to vmf_insert_pfn() of the page.
   */
  readonly vfio_pci_mmap: "none" | "remap_pfn_range" | "vma_list" | "vma_list_locked" | "unmap_mapping_range" | "huge_fault" | "remap_on_enable";
  /**
   * Only by patch (Yan Zhao, 2023-05-08, not merged; see patches.ts): the
   * vma_list_locked fault drops mmap_lock's read hold and takes it for
   * write (`mmap_write_lock_killable()`) before remapping, and returns
   * VM_FAULT_NOPAGE | VM_FAULT_COMPLETED with it released, or retakes the
   * read hold on an error. `remap_on_enable` (Jason Gunthorpe's 2024-05-22
   * proposal, also only by patch): `->mmap` maps the whole VMA under
   * memory_lock for read if memory is enabled, the fault is always
   * SIGBUS, a disable zaps with unmap_mapping_range() as in v6.10, and an
   * enable (or the end of a reset) remaps every unpopulated VMA of the
   * device's address space, per mm under mmap_write_lock, before
   * memory_lock is released (where the 2021 prototype remapped).
   */
  readonly vfio_pci_fault_mmap_write_lock: boolean;
  /**
   * What a pread() of a BAR holds memory_lock for (`vfio_pci_bar_rw()`,
   * vfio_pci_rdwr.c): nothing before memory_lock exists (`"none"`); the
   * whole read, `copy_to_user()` included (`"across_copy"`, abafbc551fdd
   * as merged in v5.8, in no profile: a v5.8-only state); only the device
   * access (`"per_access"`, bc93b9ae0151 "vfio-pci: Avoid recursive
   * read-lock usage", v5.9-rc2).
   */
  readonly vfio_pci_bar_rw_lock: "none" | "across_copy" | "per_access";
  /**
   * D3hot blocks BAR access (2b2c651baf1c "vfio/pci: Invalidate mmaps and
   * block the access in D3hot power state", v5.19, from the v5.19 vfio
   * pull): `__vfio_pci_memory_enabled()` is false while
   * `pdev->current_state >= PCI_D3hot`, and a PCI_PM_CTRL write entering
   * D3hot zaps the BAR mappings under memory_lock for write
   * (`vfio_lock_and_set_power_state()`). Before, `vfio_pm_config_write()`
   * sets the power state with no lock and no zap.
   */
  readonly vfio_pci_d3hot_blocks_memory: boolean;
  /**
   * VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY/EXIT (cc2742fe3660 "vfio/pci:
   * Implement VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY/EXIT", v6.1, Abhishek
   * Sahu's series from the v6.1 vfio pull): entry zaps and sets
   * `pm_runtime_engaged` under memory_lock for write, the BAR fault is
   * SIGBUS while it is set, exit clears it. Before, the ioctl is unknown
   * (the op is refused).
   */
  readonly vfio_pci_low_power_feature: boolean;
  /**
   * `vm_flags_set()` asserts mmap_lock held for write
   * (`mmap_assert_write_locked()`), so remap_pfn_range() from a fault,
   * under mmap_lock for read, WARNs (bc292ab00f6c, with 1c71222e5f23
   * converting remap_pfn_range(); in the v6.4-rc code Yan Zhao's
   * 2023-05-08 patch was written against). A lockdep assertion until
   * ba168b52bf8e (linux-next, 2024) made it warn without lockdep too; the
   * model always runs as with lockdep.
   */
  readonly vm_flags_set_assert: boolean;
}

/** One documented behaviour difference between a profile and its predecessor. */
export interface Change {
  /** Which switch changed. */
  readonly behaviour: keyof Behaviour;
  /** Its value from this profile on. */
  readonly value: Behaviour[keyof Behaviour];
  /** Commit id (12 hex digits) that made the change. */
  readonly commit: string;
  /** The commit's subject line. */
  readonly subject: string;
}

/** A kernel version as the model sees it. */
export interface Profile {
  /** Profile name, a kernel version tag (`"v6.12"`). */
  readonly name: string;
  /** One-line description. */
  readonly summary: string;
  /** The profile this one differs from, or null for the oldest. */
  readonly base: string | null;
  /** How it differs from `base`. */
  readonly changes: readonly Change[];
  /** The resulting behaviour. */
  readonly behaviour: Behaviour;
  /**
   * How that kernel is built where the model's names differ: the model runs
   * today's entry points and folio names on every profile, with this
   * profile's behaviour switches; this says what the version itself had.
   */
  readonly structure: string;
}

const OLD = "GUP and the fault handlers in mm/memory.c (mm/gup.c dates from v3.18); struct page with lock_page_or_retry(), not folios; mmap_sem; VMAs in an rb-tree";
const MID = "mm/gup.c with faultin_page(); struct page with lock_page_or_retry(), not folios (v5.16); mmap_sem (the mmap_lock API came in v5.8); VMAs in an rb-tree";

function root(name: string, summary: string, behaviour: Behaviour): Profile {
  return { name, summary, base: null, changes: [], behaviour, structure: OLD };
}

function derive(base: Profile, name: string, summary: string, changes: readonly Change[], structure = base.structure): Profile {
  const behaviour = { ...base.behaviour } as Record<keyof Behaviour, unknown>;
  for (const c of changes) behaviour[c.behaviour] = c.value;
  return { name, summary, base: base.name, changes, behaviour: behaviour as unknown as Behaviour, structure };
}

const v2_6_38 = root("v2.6.38", "VM_FAULT_RETRY and FAULT_FLAG_ALLOW_RETRY (d065bd810b6d), no NOWAIT", {
  rwsem_reader_wake: "head",
  fault_retry_nowait: false,
  gup_nowait_keeps_locked: false,
  filemap_unlock_mmap_for_io: false,
  gup_prefault_retry: false,
  fault_retry_multiple: false,
  fault_signal_pending: false,
  uffd_signal_nopage: true,
  uffd_single_schedule: false,
  uffd_mfill_lock: "mmap_lock",
  uffd_minor_shmem: false,
  kvm_exit_on_missing: false,
  kvm_pf_no_uffd_wait: false,
  gup_retry_fatal_signal: false,
  gup_fatal_errno: "ERESTARTSYS",
  foll_pin: false,
  pin_zero_page: true,
  fork_copy_pinned: false,
  anon_exclusive: false,
  gup_fast_pmd_recheck: false,
  collapse_sync_ipi: false,
  foll_force_write: "drop_foll_write",
  wp_reuse_ksm: false,
  wp_reuse: "mapcount",
  swap_reuse: "reuse_swap_page",
  pageout_skips_pinned: false,
  fault_around: false,
  vm_fault_write: true,
  shared_write_throttle: "locked",
  gup_fault_killable: false,
  per_vma_lock: "none",
  kvm_async_gup: "get_user_pages_fast",
  async_pf_gup: "get_user_pages",
  userfaultfd: false,
  munmap_downgrade: false,
  madv_populate: "none",
  madv_pageout: false,
  fpu_sigframe_prefault: false,
  async_ra_checks_ra_pages: false,
  mprotect_write_upgrade: "none",
  fault_flag_interruptible: false,
  foll_unlockable: false,
  vm_insert_page_flag: "VM_INSERTPAGE",
  uprobes: "none",
  longterm_migrate_movable: false,
  longterm_file_write_refused: false,
  vfio_pci_mmap: "none",
  vfio_pci_fault_mmap_write_lock: false,
  vfio_pci_bar_rw_lock: "none",
  vfio_pci_d3hot_blocks_memory: false,
  vfio_pci_low_power_feature: false,
  vm_flags_set_assert: false,
});

const v2_6_39 = derive(v2_6_38, "v2.6.39", "FAULT_FLAG_RETRY_NOWAIT and FOLL_NOWAIT; KVM async PF effective", [
  { behaviour: "fault_retry_nowait", value: true, commit: "318b275fbca1", subject: "mm: allow GUP to fail instead of waiting on a page" },
  { behaviour: "kvm_async_gup", value: "get_user_page_nowait", commit: "0857b9e95c1a", subject: "KVM: Enable async page fault processing" },
]);

const v4_15 = derive(v2_6_39, "v4.15", "fault-around, userfaultfd, async_pf_execute with &locked, KVM's slow path via get_user_pages_unlocked(FOLL_NOWAIT)", [
  { behaviour: "fault_around", value: true, commit: "8c6e50b0290c", subject: "mm: introduce vm_ops->map_pages()" },
  { behaviour: "userfaultfd", value: true, commit: "86039bd3b4e6", subject: "userfaultfd: add new syscall to provide memory externalization" },
  { behaviour: "async_pf_gup", value: "remote_locked", commit: "5b56d49fc31d", subject: "mm: add locked parameter to get_user_pages_remote()" },
  { behaviour: "kvm_async_gup", value: "get_user_pages_unlocked", commit: "ce53053ce378", subject: "kvm: switch get_user_page_nowait() to get_user_pages_unlocked()" },
  { behaviour: "foll_force_write", value: "foll_cow", commit: "19be0eaffa3a", subject: "mm: remove gup_flags FOLL_WRITE games from __get_user_pages()" },
  { behaviour: "vm_insert_page_flag", value: "VM_MIXEDMAP", commit: "(not identified; v3.7)", subject: "vm_insert_page() marks the VMA VM_MIXEDMAP instead of VM_INSERTPAGE" },
  { behaviour: "uprobes", value: "new_page", commit: "2b1444983508", subject: "uprobes, mm, x86: Add the ability to install and remove uprobes breakpoints" },
  { behaviour: "vfio_pci_mmap", value: "remap_pfn_range", commit: "(not identified; vfio-pci came in v3.6)", subject: "vfio: Add PCI device driver (vfio_pci_mmap() maps the whole BAR with remap_pfn_range())" },
], MID);

const v4_19 = derive(v4_15, "v4.19", "LTS: FOLL_NOWAIT with *locked fixed", [
  { behaviour: "gup_nowait_keeps_locked", value: true, commit: "96312e61282a", subject: "mm/gup.c: teach get_user_pages_unlocked to handle FOLL_NOWAIT" },
]);

const v5_1 = derive(v4_19, "v5.1", "filemap_fault drops mmap_lock for IO; munmap zaps under the read lock", [
  { behaviour: "munmap_downgrade", value: true, commit: "dd2283f2605e", subject: "mm: mmap: zap pages with read mmap_sem in munmap" },
  { behaviour: "filemap_unlock_mmap_for_io", value: true, commit: "6b4c9f446981", subject: "filemap: drop the mmap_sem for all blocking operations" },
  { behaviour: "wp_reuse_ksm", value: true, commit: "52d1e606ee73", subject: "mm: reuse only-pte-mapped KSM page in do_wp_page()" },
]);

const v5_2_rc1 = derive(v5_1, "v5.2-rc1", "release candidate: the x86 fpu signal-frame prefault loop, before GUP prefaults kept retrying", [
  { behaviour: "fpu_sigframe_prefault", value: true, commit: "d9c9ce34ed5c", subject: "x86/fpu: Fault-in user stack if copy_fpstate_to_sigframe() fails" },
]);

const v5_2 = derive(v5_2_rc1, "v5.2", "GUP prefaults keep retrying (df17277b2a85, v5.2-rc3)", [
  { behaviour: "gup_prefault_retry", value: true, commit: "df17277b2a85", subject: "mm/gup: continue VM_FAULT_RETRY processing even for pre-faults" },
]);

const v5_3 = derive(v5_2, "v5.3", "rwsem rework: readers woken from the whole wait queue", [
  { behaviour: "rwsem_reader_wake", value: "all", commit: "d3681e269fff", subject: "locking/rwsem: Wake up almost all readers in wait queue" },
]);

const v5_7 = derive(v5_3, "v5.7", "VM_FAULT_RETRY more than once; shared write faults drop mmap_lock to throttle; killable GUP faults; interruptible user faults; MADV_PAGEOUT (v5.4)", [
  { behaviour: "shared_write_throttle", value: "retry", commit: "89b15332af7c", subject: "mm: drop mmap_sem before calling balance_dirty_pages() in write fault" },
  { behaviour: "fault_retry_multiple", value: true, commit: "4064b9827063", subject: "mm: allow VM_FAULT_RETRY for multiple times" },
  { behaviour: "gup_fault_killable", value: true, commit: "71335f37c5e8", subject: "mm/gup: allow to react to fatal signals" },
  { behaviour: "async_ra_checks_ra_pages", value: true, commit: "5c72feee3e45", subject: "mm/filemap.c: don't bother dropping mmap_sem for zero size readahead" },
  { behaviour: "fault_flag_interruptible", value: true, commit: "c270a7eedcf2", subject: "mm: introduce FAULT_FLAG_INTERRUPTIBLE" },
  { behaviour: "fault_signal_pending", value: true, commit: "8b9a65fd282c", subject: "mm: return faster for non-fatal signals in user mode faults" },
  { behaviour: "uffd_signal_nopage", value: false, commit: "(not identified; series of c270a7eedcf2)", subject: "userfaultfd: Don't retake mmap_sem to emulate NOPAGE" },
  { behaviour: "gup_retry_fatal_signal", value: true, commit: "ae46d2aa6a7f", subject: "mm/gup: Let __get_user_pages_locked() return -EINTR for fatal signal" },
  { behaviour: "foll_pin", value: true, commit: "eddb1c228f79", subject: "mm/gup: introduce pin_user_pages*() and FOLL_PIN" },
  { behaviour: "foll_pin", value: true, commit: "3faa52c03f44", subject: "mm/gup: track FOLL_PIN pages" },
  { behaviour: "madv_pageout", value: true, commit: "1a4e58cce84e", subject: "mm: introduce MADV_PAGEOUT" },
  { behaviour: "uprobes", value: "orig_page", commit: "(not identified; Song Liu's series, v5.4)", subject: "uprobe: use original page when all uprobes are removed" },
]);

const v5_9 = derive(v5_7, "v5.9", "COW reuse only when refcount == 1; handle_userfault sleeps once", [
  { behaviour: "wp_reuse", value: "refcount", commit: "09854ba94c6a", subject: "mm: do_wp_page() simplification" },
  { behaviour: "wp_reuse_ksm", value: false, commit: "09854ba94c6a", subject: "mm: do_wp_page() simplification" },
  { behaviour: "uffd_single_schedule", value: true, commit: "f9bf352224d7", subject: "userfaultfd: simplify fault handling" },
  { behaviour: "fork_copy_pinned", value: true, commit: "70e806e4e645", subject: "mm: Do early cow for pinned pages during fork() for ptes" },
  { behaviour: "gup_fatal_errno", value: "EINTR", commit: "(not identified; -EINTR already in the context of 17839856fd58, v5.8-rc1)", subject: "__get_user_pages() returns -EINTR for a fatal signal" },
  { behaviour: "vfio_pci_mmap", value: "vma_list", commit: "41311242221e", subject: "vfio/type1: Support faulting PFNMAP vmas" },
  { behaviour: "vfio_pci_mmap", value: "vma_list", commit: "11c4cd07ba11", subject: "vfio-pci: Fault mmaps to enable vma tracking" },
  { behaviour: "vfio_pci_mmap", value: "vma_list", commit: "abafbc551fdd", subject: "vfio-pci: Invalidate mmaps and block MMIO access on disabled memory" },
  { behaviour: "vfio_pci_bar_rw_lock", value: "per_access", commit: "bc93b9ae0151", subject: "vfio-pci: Avoid recursive read-lock usage" },
], "mm/gup.c with faultin_page(); struct page, not folios (v5.16); the mmap_lock API (v5.8); VMAs in an rb-tree");

const v6_4 = derive(v5_9, "v6.4", "VM_FAULT_COMPLETED, no VM_FAULT_WRITE, MADV_POPULATE, FOLL_UNLOCKABLE, per-VMA-lock user faults on anonymous VMAs, mprotect makes exclusive anonymous PTEs writable, FOLL_LONGTERM migrates ZONE_MOVABLE pages (v5.13)", [
  { behaviour: "shared_write_throttle", value: "completed", commit: "d92725256b4f", subject: "mm: avoid unnecessary page fault retires on shared memory types" },
  { behaviour: "vm_fault_write", value: false, commit: "cb8d86331343", subject: "mm: remove VM_FAULT_WRITE" },
  { behaviour: "madv_populate", value: "get_user_pages", commit: "4ca9b3859dac", subject: "mm/madvise: introduce MADV_POPULATE_(READ|WRITE) to prefault page tables" },
  { behaviour: "uffd_minor_shmem", value: true, commit: "(not identified; v5.14 per ioctl_userfaultfd(2))", subject: "userfaultfd/shmem: support minor fault registration for shmem" },
  { behaviour: "per_vma_lock", value: "anon", commit: "0bff0aaea03e", subject: "x86/mm: try VMA lock-based page fault handling first" },
  { behaviour: "foll_unlockable", value: true, commit: "f04740f54594", subject: "mm/gup: add FOLL_UNLOCKABLE" },
  { behaviour: "pageout_skips_pinned", value: true, commit: "feb889fb40fa", subject: "mm: don't put pinned pages into the swap cache" },
  { behaviour: "swap_reuse", value: "refcount", commit: "c145e0b47c77", subject: "mm: streamline COW logic in do_swap_page()" },
  { behaviour: "anon_exclusive", value: true, commit: "6c287605fd56", subject: "mm: remember exclusively mapped anonymous pages with PG_anon_exclusive" },
  { behaviour: "anon_exclusive", value: true, commit: "1493a1913e34", subject: "mm/swap: remember PG_anon_exclusive via a swp pte bit" },
  { behaviour: "anon_exclusive", value: true, commit: "c89357e27f20", subject: "mm: support GUP-triggered unsharing of anonymous pages" },
  { behaviour: "anon_exclusive", value: true, commit: "a7f226604170", subject: "mm/gup: trigger FAULT_FLAG_UNSHARE when R/O-pinning a possibly shared anonymous page" },
  { behaviour: "foll_force_write", value: "anon_exclusive", commit: "5535be309971", subject: "mm/gup: fix FOLL_FORCE COW security issue and remove FOLL_COW" },
  { behaviour: "gup_fast_pmd_recheck", value: true, commit: "70cbc3cc78a9", subject: "mm: gup: fix the fast GUP race against THP collapse" },
  { behaviour: "collapse_sync_ipi", value: true, commit: "2ba99c5e0881", subject: "mm/khugepaged: fix GUP-fast interaction by sending IPI" },
  { behaviour: "mprotect_write_upgrade", value: "exclusive_anon", commit: "64fe24a3e05e", subject: "mm/mprotect: try avoiding write faults for exclusive anonymous pages when changing protection" },
  { behaviour: "longterm_migrate_movable", value: true, commit: "d1e153fea2a8", subject: "mm/gup: migrate pinned pages out of movable zone" },
  { behaviour: "vfio_pci_mmap", value: "vma_list_locked", commit: "6a45ece4c9af", subject: "vfio/pci: Handle concurrent vma faults" },
  { behaviour: "vfio_pci_d3hot_blocks_memory", value: true, commit: "2b2c651baf1c", subject: "vfio/pci: Invalidate mmaps and block the access in D3hot power state" },
  { behaviour: "vfio_pci_low_power_feature", value: true, commit: "cc2742fe3660", subject: "vfio/pci: Implement VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY/EXIT" },
  { behaviour: "vm_flags_set_assert", value: true, commit: "bc292ab00f6c", subject: "mm: introduce vma->vm_flags wrapper functions" },
  { behaviour: "vm_flags_set_assert", value: true, commit: "1c71222e5f23", subject: "mm: replace vma->vm_flags direct modifications with modifier calls" },
], "folios; mmap_lock; VMAs in a maple tree (v6.1); per-VMA locks (v6.4)");

const v6_10 = derive(v6_4, "v6.10", "per-VMA-lock faults on file VMAs, swap and userfaultfd too (v6.6), ->fault under the VMA lock (v6.7), MADV_POPULATE retries with FOLL_TRIED (v6.9), UFFDIO_COPY/CONTINUE under the VMA lock (v6.9), no long-term write pins of dirty-tracked file mappings (v6.5), vfio-pci BAR faults by unmap_mapping_range() and vmf_insert_pfn() with a full-VMA prefault (v6.10-rc4)", [
  { behaviour: "per_vma_lock", value: "all", commit: "350f6bbca1de", subject: "mm: allow per-VMA locks on file-backed VMAs" },
  { behaviour: "per_vma_lock", value: "all", commit: "1235ccd05b6d", subject: "mm: handle swap page faults under per-VMA lock" },
  { behaviour: "per_vma_lock", value: "all", commit: "29a22b9e08d7", subject: "mm: handle userfaults under VMA lock" },
  { behaviour: "per_vma_lock", value: "all", commit: "12214eba1992", subject: "mm: handle read faults under the VMA lock" },
  { behaviour: "madv_populate", value: "get_user_pages_locked", commit: "631426ba1d45", subject: "mm/madvise: make MADV_POPULATE_(READ|WRITE) handle VM_FAULT_RETRY properly" },
  { behaviour: "uffd_mfill_lock", value: "vma_lock", commit: "867a43a34ff8", subject: "userfaultfd: use per-vma locks in userfaultfd operations" },
  { behaviour: "pin_zero_page", value: false, commit: "c8070b787519", subject: "mm: Don't pin ZERO_PAGE in pin_user_pages()" },
  { behaviour: "longterm_file_write_refused", value: true, commit: "8ac268436e6d", subject: "mm/gup: disallow FOLL_LONGTERM GUP-nonfast writing to file-backed mappings" },
  { behaviour: "longterm_file_write_refused", value: true, commit: "a6e79df92e4a", subject: "mm/gup: disallow FOLL_LONGTERM GUP-fast writing to file-backed mappings" },
  { behaviour: "vfio_pci_mmap", value: "unmap_mapping_range", commit: "b7c5e64fecfa", subject: "vfio: Create vfio_fs_type with inode per device" },
  { behaviour: "vfio_pci_mmap", value: "unmap_mapping_range", commit: "aac6db75a9fc", subject: "vfio/pci: Use unmap_mapping_range()" },
  { behaviour: "vfio_pci_mmap", value: "unmap_mapping_range", commit: "d71a989cf5d9", subject: "vfio/pci: Insert full vma on mmap'd MMIO fault" },
], "folios; mmap_lock; VMAs in a maple tree (v6.1); per-VMA locks; munmap in mm/mmap.c (mm/vma.c came in v6.12)");

const v6_12 = derive(v6_10, "v6.12", "LTS: PMD and PUD pfnmap leaves from the vfio-pci fault (huge_fault), without the v6.10 prefault", [
  { behaviour: "vfio_pci_mmap", value: "huge_fault", commit: "f9e54c3a2f5b", subject: "vfio/pci: implement huge_fault support" },
], "folios; mmap_lock; VMAs in a maple tree, munmap in mm/vma.c (v6.12); per-VMA locks: the structure the model's names come from");

/** Every profile, oldest first. */
export const PROFILES: readonly Profile[] = [v2_6_38, v2_6_39, v4_15, v4_19, v5_1, v5_2_rc1, v5_2, v5_3, v5_7, v5_9, v6_4, v6_10, v6_12];

/** Names of every profile, oldest first. */
export const PROFILE_NAMES: readonly string[] = PROFILES.map((p) => p.name);

/** The profile a scenario gets when it names none. */
export const DEFAULT_PROFILE = "v6.12";

/**
 * What a run under `name` should say about the model's names: null for the
 * default profile, whose structure the names come from; otherwise that the
 * profile runs today's entry points, and what its kernel had instead.
 */
export function structureNote(name: string): string | null {
  const p = profile(name);
  return p.name === DEFAULT_PROFILE ? null : `${p.name} runs ${DEFAULT_PROFILE}'s entry points and names with ${p.name}'s behaviour; that kernel had ${p.structure}`;
}

/** The profiles from `name` on, oldest first: version order is the list's order, never string order. */
export function profilesSince(name: string): readonly string[] {
  return PROFILE_NAMES.slice(PROFILE_NAMES.indexOf(profile(name).name));
}

/** Look up a profile by name; throws with the list of known names. */
export function profile(name: string): Profile {
  const p = PROFILES.find((q) => q.name === name);
  if (!p) throw new RangeError(`unknown profile "${name}"; expected one of ${PROFILE_NAMES.join(", ")}`);
  return p;
}
