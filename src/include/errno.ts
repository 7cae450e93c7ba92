/**
 * The errnos the model returns, negated as kernel functions return them
 * (include/uapi/asm-generic/errno-base.h, errno.h; include/linux/errno.h).
 *
 * @module
 */

/** -ESRCH: no such process. */
export const ESRCH = -3;
/** -ENOENT: no such entry (UFFDIO_COPY into a range that is no longer registered). */
export const ENOENT = -2;
/** -EIO: I/O error. */
export const EIO = -5;
/** -ENXIO: no such device or address (__vm_map_pages(): the VMA is larger than the driver's buffer). */
export const ENXIO = -6;
/** -EAGAIN: try again. */
export const EAGAIN = -11;
/** -ENOMEM: out of memory. */
export const ENOMEM = -12;
/** -EACCES: permission denied (move_pages() of a page other processes map too, without MPOL_MF_MOVE_ALL). */
export const EACCES = -13;
/** -EFAULT: bad address. */
export const EFAULT = -14;
/** -EBUSY: device or resource busy (faultin_page's "VM_FAULT_RETRY happened"). */
export const EBUSY = -16;
/** -EEXIST: already exists (UFFDIO_COPY onto a mapped page). */
export const EEXIST = -17;
/** -EINVAL: invalid argument. */
export const EINVAL = -22;
/** -EINTR: interrupted (a fatal signal is pending). */
export const EINTR = -4;
/** -ERESTARTSYS: interrupted by a signal, restart the syscall (kernel-internal, include/linux/errno.h). */
export const ERESTARTSYS = -512;
/** -EHWPOISON: memory page has a hardware error. */
export const EHWPOISON = -133;

const NAMES: Readonly<Record<number, string>> = { [ENOENT]: "ENOENT", [ESRCH]: "ESRCH", [EIO]: "EIO", [ENXIO]: "ENXIO", [EAGAIN]: "EAGAIN", [ENOMEM]: "ENOMEM", [EACCES]: "EACCES", [EFAULT]: "EFAULT", [EBUSY]: "EBUSY", [EEXIST]: "EEXIST", [EINVAL]: "EINVAL", [EINTR]: "EINTR", [ERESTARTSYS]: "ERESTARTSYS", [EHWPOISON]: "EHWPOISON" };

/** `"-EEXIST"` for -17; the number itself for values that are not a known errno. */
export function errname(ret: number): string {
  const name = NAMES[ret];
  return name ? `-${name}` : String(ret);
}
