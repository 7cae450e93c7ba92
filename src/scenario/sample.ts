/**
 * Drawing durations from a task's seeded stream.
 *
 * @module
 */
import type { Prng } from "../engine/prng.js";
import type { DurationSpec } from "./schema.js";

/** Draw a duration (ns). */
export function sample(prng: Prng, d: DurationSpec): number {
  if (typeof d === "number") return d;
  return d.dist === "uniform" ? prng.range(d.min, d.max) : prng.exponential(d.mean);
}

/** The mean of a duration (ns): the number itself, the middle of a uniform range, an exponential's mean. */
export function durationMean(d: DurationSpec): number {
  if (typeof d === "number") return d;
  return d.dist === "uniform" ? (d.min + d.max) / 2 : d.mean;
}
