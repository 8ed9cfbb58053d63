/**
 * Integer helpers for tree shapes. Sizes and indices are JS numbers up to Number.MAX_SAFE_INTEGER (2^53 - 1), so the
 * 32-bit bitwise operators (`>>`, `&`, `^`) must not be used on them: everything here is plain arithmetic, which is
 * exact for safe integers.
 */
import { assert } from '../assert.js';

/** True when `n` is an integer in [0, 2^53 - 1]. */
export function isSafeCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** floor(n / 2): one level up. */
export function half(n: number): number {
  return Math.floor(n / 2);
}

/** Whether bit 0 of `n` is set. */
export function isOdd(n: number): boolean {
  return n % 2 === 1;
}

/** Number of set bits. */
export function popCount(n: number): number {
  let c = 0;
  for (let m = n; m > 0; m = half(m)) if (isOdd(m)) c++;
  return c;
}

/** Number of trailing zero bits of n > 0. */
export function trailingZeros(n: number): number {
  let c = 0;
  for (let m = n; m > 0 && !isOdd(m); m = half(m)) c++;
  return c;
}

/**
 * Splits the inclusion proof of leaf `index` in a tree of `size` leaves (index < size) as transparency-dev does:
 * `inner` is the number of levels below the point where the paths to `index` and to `size - 1` join (the bit length
 * of index XOR (size - 1)); `border` is the number of left siblings above that point (the set bits of index >> inner).
 * The proof has exactly inner + border nodes.
 */
export function decomposeInclusion(index: number, size: number): { inner: number; border: number } {
  assert(isSafeCount(index) && index < size && isSafeCount(size), 'decomposeInclusion needs 0 <= index < size');
  let i = index;
  let last = size - 1;
  let inner = 0;
  while (i !== last) {
    i = half(i);
    last = half(last);
    inner++;
  }
  return { inner, border: popCount(i) };
}
