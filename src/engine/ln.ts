/**
 * The natural logarithm, ported from fdlibm's `__ieee754_log()` (e_log.c
 * 1.3 95/01/18), so that a seeded draw is the same number on every
 * JavaScript engine: ECMAScript leaves `Math.log`'s precision to the
 * engine. V8's `Math.log` is this same algorithm (src/base/ieee754.cc), so
 * the two agree bit for bit there.
 *
 * fdlibm's notice, which its licence asks to keep:
 * Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 * Developed at SunSoft, a Sun Microsystems, Inc. business.
 * Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice
 * is preserved.
 *
 * @module
 */

const ln2_hi = 6.93147180369123816490e-1; // 3fe62e42 fee00000
const ln2_lo = 1.90821492927058770002e-10; // 3dea39ef 35793c76
const two54 = 1.8014398509481984e16; // 43500000 00000000
const Lg1 = 6.666666666666735130e-1; // 3FE55555 55555593
const Lg2 = 3.999999999940941908e-1; // 3FD99999 9997FA04
const Lg3 = 2.857142874366239149e-1; // 3FD24924 94229359
const Lg4 = 2.222219843214978396e-1; // 3FCC71C5 1D8E78AF
const Lg5 = 1.818357216161805012e-1; // 3FC74664 96CB03DE
const Lg6 = 1.531383769920937332e-1; // 3FC39A09 D078C69F
const Lg7 = 1.479819860511658591e-1; // 3FC2F112 DF3E5244

// The two 32-bit words of a double (__HI, __LO), through one shared buffer.
const words = new DataView(new ArrayBuffer(8));
const hi = (x: number): number => (words.setFloat64(0, x), words.getInt32(0));
const lo = (x: number): number => (words.setFloat64(0, x), words.getUint32(4));
const withHi = (x: number, h: number): number => (words.setFloat64(0, x), words.setInt32(0, h), words.getFloat64(0));

/**
 * ln(x) for any double: -Infinity at ±0, NaN below 0 and for NaN,
 * Infinity at Infinity; otherwise within 1 ulp, as fdlibm's.
 *
 * Method (fdlibm): reduce x to 2^k·(1+f) with √2/2 < 1+f < √2, then
 * ln(1+f) = f − s·(f − R) with s = f/(2+f) and R a degree-14 polynomial in
 * s, and add k·ln2 in two parts.
 */
export function ln(x: number): number {
  let hx = hi(x);
  const lx = lo(x);
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2^-1022: zero, negative or subnormal.
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= two54;
    hx = hi(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i = (hx + 0x95f64) & 0x100000;
  x = withHi(x, hx | (i ^ 0x3ff00000)); // normalize x or x/2
  k += i >> 20;
  const f = x - 1;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2^-20
    if (f === 0) return k === 0 ? 0 : k * ln2_hi + k * ln2_lo;
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    return k === 0 ? f - R : k * ln2_hi - (R - k * ln2_lo - f);
  }
  const s = f / (2 + f);
  const dk = k;
  const z = s * s;
  i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + R)) : dk * ln2_hi - (hfsq - (s * (hfsq + R) + dk * ln2_lo) - f);
  }
  return k === 0 ? f - s * (f - R) : dk * ln2_hi - (s * (f - R) - dk * ln2_lo - f);
}
