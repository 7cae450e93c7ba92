/**
 * The page cache of one file (`struct address_space`): folios by index.
 *
 * @module
 */
import type { RwSemaphore } from "../engine/rwsem.js";
import type { Folio } from "./folio.js";
import type { Vma } from "./mm.js";

/** A file's page cache. */
export class AddressSpace {
  /** File name, for traces. */
  readonly name: string;
  /** Cached folios by page index (the xarray). */
  readonly pages = new Map<number, Folio>();
  /** `file_ra_state.ra_pages`: the readahead window in pages; 0 when readahead is off (`blockdev --setra 0`). */
  readonly ra_pages: number;
  /** `i_size` in pages (`DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE)`): pages at or past it are beyond EOF. */
  readonly size: number;
  /** `i_mmap`: every VMA that maps the file (the kernel's interval tree, by pgoff), linked by `vma_link_file()`. */
  readonly i_mmap = new Set<Vma>();
  /** `i_mmap_rwsem`, where the model takes it (`unmap_mapping_range()` on a vfio device's mapping); null where no modelled path does. */
  i_mmap_rwsem: RwSemaphore | null = null;

  /** `shmem_mapping()`: a tmpfs/shmem file's mapping (its a_ops are shmem_aops), which needs no dirty tracking. */
  readonly shmem: boolean;

  constructor(name: string, size: number, ra_pages = 32, shmem = false) {
    this.name = name;
    this.shmem = shmem;
    this.size = size;
    this.ra_pages = ra_pages;
  }

  /** `filemap_get_folio()`: the cached folio at `index`, taking a reference, or null. */
  filemap_get_folio(index: number): Folio | null {
    const f = this.pages.get(index) ?? null;
    if (f) f.refcount++;
    return f;
  }
}
