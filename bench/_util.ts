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
