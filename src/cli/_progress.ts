/** Renders ProgressEvents on stderr: one line per finished step with its time; silent with --json unless asked. */
import type { Writable } from 'node:stream';
import type { ProgressCallback } from '../core/progress.js';
import { painter } from './_output.js';

export function progressPrinter(stderr: Writable & { isTTY?: boolean }, opts: { quiet?: boolean; env?: Readonly<Record<string, string | undefined>> } = {}): ProgressCallback {
  if (opts.quiet) return () => {};
  const p = painter(stderr, opts.env ?? {});
  let lastFraction = -1;
  return (ev) => {
    if (ev.ms !== undefined) {
      // Wipe a half-drawn tick line first, so the step's line starts at column 0.
      if (lastFraction >= 0 && lastFraction < 100) stderr.write('\r\x1b[K');
      stderr.write(`${p.dim('·')} ${ev.step.padEnd(10)} ${p.dim(`${Math.round(ev.ms)} ms`)}${ev.message ? `  ${ev.message}` : ''}\n`);
      lastFraction = -1;
    } else if (ev.fraction !== undefined) {
      // A tick inside a step (e.g. the engine's "level 3/6, iteration 2/5"): one line redrawn in place on a
      // terminal; nothing in a pipe or log, where 40 such lines would bury the step timings.
      if (!stderr.isTTY) return;
      const pct = Math.floor(ev.fraction * 100);
      if (pct !== lastFraction) {
        stderr.write(`\r${p.dim('·')} ${ev.step.padEnd(10)} ${pct}%${ev.message ? `  ${p.dim(ev.message)}` : ''}\x1b[K`);
        lastFraction = pct;
        if (pct >= 100) stderr.write('\r\x1b[K');
      }
    } else if (ev.message) {
      stderr.write(`${p.dim('·')} ${ev.step.padEnd(10)} ${ev.message}\n`);
    }
  };
}
