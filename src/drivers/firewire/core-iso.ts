/**
 * The FireWire isochronous buffer, drivers/firewire/core-iso.c: the pages
 * a `/dev/fw*` client's mmap() maps, allocated by the driver one by one
 * (`alloc_page(GFP_KERNEL | GFP_DMA32 | __GFP_ZERO)`, read in the v3.x copy's
 * `fw_iso_buffer_init()`; `fw_iso_buffer_alloc()` once the DMA mapping was
 * split off). The driver keeps its reference to each page until
 * `fw_iso_buffer_destroy()` (not modelled: the file is never released).
 *
 * @module
 */
import type { Kernel } from "../../mm/kernel.js";
import type { Folio } from "../../mm/folio.js";

/** `fw_iso_buffer_alloc()`: `page_count` zeroed pages, each with the driver's one reference, owned by `buffer`. */
export function fw_iso_buffer_alloc(k: Kernel, buffer: string, page_count: number): Folio[] {
  return Array.from({ length: page_count }, (_, i) => {
    const page = k.folio_alloc(null, i);
    page.uptodate = true;
    page.driver = buffer;
    return page;
  });
}
