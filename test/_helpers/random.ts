/**
 * Seeded inputs for the property tests that compare a fast path with its reference implementation: the same
 * seed gives the same cases on every machine.
 */

/** A linear congruential generator (Numerical Recipes constants): numbers in [0, 1), repeatable by seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** A Uint8Array of `n` bytes starting `shift` bytes into its buffer (shift 1–3: unaligned). */
export function bytes(n: number, shift: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(n + shift + 3), shift, n);
}
