/**
 * Errors that end a run with status `error` instead of escaping it: kernel
 * bugs the model hits (what BUG()/WARN() or a lockdep splat would report),
 * and uses of a kernel feature the selected profile does not have.
 *
 * @module
 */

/** Base of the errors a run reports as status `error`. */
export class RunError extends Error {}

/** A condition the kernel treats as a bug (unbalanced unlock, sleeping with IRQs off...). */
export class KernelBug extends RunError {
  constructor(message: string) {
    super(message);
    this.name = "KernelBug";
  }
}

/** A flag or call that does not exist in the kernel version being modelled. */
export class NotInProfile extends RunError {
  constructor(message: string) {
    super(message);
    this.name = "NotInProfile";
  }
}

/** The run did more work than its budget allows without reaching a scheduling point. */
export class BudgetExhausted extends RunError {
  constructor(message: string) {
    super(message);
    this.name = "BudgetExhausted";
  }
}
