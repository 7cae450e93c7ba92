/**
 * The verdict of an exploration, in herd7's words, claimed only as far as
 * the search supports it: `never` and `always` only after an exhaustive
 * search; `sometimes` as soon as both kinds of execution were seen;
 * otherwise what was (not) seen in how many schedules.
 *
 * @module
 */
import type { VerdictName } from "../scenario/property.js";

/** What an exploration says about the scenario's property. */
export interface ExploreVerdict {
  /** The verdict the scenario expects (over seeds, in `property.verdict`). */
  readonly expected: VerdictName;
  /** The verdict the search establishes, or null when it cannot (not exhaustive, and only one kind of execution seen). */
  readonly found: VerdictName | null;
  /** Executions in which the property held. */
  readonly positive: number;
  /** Executions explored (run to their end). */
  readonly total: number;
  /** Whether the search was exhaustive. */
  readonly exhaustive: boolean;
  /** Whether `found` is the expected verdict; null when the search cannot tell (nothing seen contradicts it). */
  readonly agrees: boolean | null;
  /** The verdict as a sentence (`never (exhaustive: 12 executions)`, `not seen in 500 schedules (not exhaustive)`). */
  readonly text: string;
}

/** The verdict over `total` executions, `positive` of them satisfying the property. */
export function verdictOf(expected: VerdictName, positive: number, total: number, exhaustive: boolean): ExploreVerdict {
  const found: VerdictName | null = positive > 0 && positive < total ? "sometimes" : !exhaustive || total === 0 ? null : positive === 0 ? "never" : "always";
  const runs = (n: number) => `${n} ${n === 1 ? "schedule" : "schedules"}`;
  const text =
    found === "sometimes"
      ? `sometimes: held in ${positive} of ${runs(total)}${exhaustive ? " (exhaustive)" : ""}`
      : found !== null
        ? `${found} (exhaustive: ${runs(total)})`
        : positive === 0
          ? `not seen in ${runs(total)} (not exhaustive)`
          : `held in all ${runs(total)} seen (not exhaustive)`;
  const contradicted = (expected === "never" && positive > 0) || (expected === "always" && positive < total) || (expected === "sometimes" && found !== null && found !== "sometimes");
  const agrees = contradicted ? false : found === null ? null : true;
  return { expected, found, positive, total, exhaustive, agrees, text };
}
