/**
 * Seeded pseudo-random numbers: sfc32 seeded through splitmix32.
 *
 * The simulator never calls `Math.random`. One scenario seed drives
 * everything; each consumer (a task, the scheduler, an IO device) gets its own
 * stream with {@link Prng.fork}, derived from the seed and a label, so adding a
 * task does not perturb the draws of the others.
 *
 * @module
 */

import { ln } from "./ln.js";

/** splitmix32 step: a well-mixed 32-bit value from a 32-bit state. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of a label. */
function fnv1a(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A deterministic random stream (sfc32), identical in every JavaScript engine. */
export class Prng {
  /** The 32-bit seed this stream was created from. */
  readonly seed: number;
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed - an unsigned 32-bit integer. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
    }
    this.seed = seed;
    this.a = splitmix32(seed);
    this.b = splitmix32(this.a);
    this.c = splitmix32(this.b);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A new independent stream derived from this stream's seed and `label`. */
  fork(label: string): Prng {
    return new Prng(splitmix32(this.seed ^ fnv1a(label)));
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /**
   * Exponentially distributed integer with the given mean (inverse CDF).
   * The logarithm is {@link ln}, a port of fdlibm's `__ieee754_log`, not
   * `Math.log`, whose precision ECMAScript leaves to the engine: every
   * engine draws the same values (and they equal V8's).
   */
  exponential(mean: number): number {
    return Math.round(-mean * ln(1 - this.float()));
  }
}
