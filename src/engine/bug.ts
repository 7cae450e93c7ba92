/**
 * Kernel bugs found while running the model: what the kernel would report with
 * BUG()/WARN() or a lockdep splat, raised as exceptions that end the run.
 *
 * @module
 */

/** A condition the kernel treats as a bug (unbalanced unlock, sleeping with IRQs off...). */
export class KernelBug extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelBug";
  }
}
