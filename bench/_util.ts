/** Small helpers shared by the benchmark scripts. */
import { performance } from 'node:perf_hooks';

/** Median wall time in ms of `runs` calls of `fn` after `warmup` calls. */
export async function median(fn: () => Promise<unknown> | unknown, runs = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Prints an aligned table. */
export function table(rows: Record<string, string | number>[]): void {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]!);
  const cell = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c] ?? '').length)));
  console.log(cols.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  for (const r of rows) console.log(cols.map((c, i) => cell(r[c] ?? '').padEnd(widths[i]!)).join('  '));
}

/** Prints `label: ratio (goal …) PASS|MISS`. */
export function verdict(label: string, ratio: number, goal: number, direction: '<=' | '>=' = '<='): boolean {
  const ok = direction === '<=' ? ratio <= goal : ratio >= goal;
  console.log(`${label}: ${ratio.toFixed(2)} (goal ${direction} ${goal}) ${ok ? 'PASS' : 'MISS'}`);
  return ok;
}

/**
 * Median times of several functions run in turn (A, B, A, B, …), so a busy shared machine slows each alike
 * instead of whichever happened to run during someone else's burst. One warm-up call each first.
 */
export async function interleavedMedians(fns: (() => Promise<unknown> | unknown)[], runs: number): Promise<number[]> {
  return (await interleavedTimes(fns, runs)).map(middleOf);
}

/** The median of some numbers (the upper middle one for an even count). */
export function middleOf(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** Every time of {@link interleavedMedians}' runs, in run order: `times[k][r]` is function k's r-th run. */
export async function interleavedTimes(fns: (() => Promise<unknown> | unknown)[], runs: number): Promise<number[][]> {
  for (const f of fns) await f();
  const times = fns.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    for (const [k, f] of fns.entries()) {
      const t = performance.now();
      await f();
      times[k]!.push(performance.now() - t);
    }
  }
  return times;
}
