/** Renders ProgressEvents on stderr: one line per finished step with its time; silent with --json unless asked. */
import type { Writable } from 'node:stream';
import type { ProgressCallback } from '../core/progress.js';
import { painter } from './_output.js';

export function progressPrinter(stderr: Writable & { isTTY?: boolean }, opts: { quiet?: boolean } = {}): ProgressCallback {
  if (opts.quiet) return () => {};
  const p = painter(stderr);
  let lastFraction = -1;
  return (ev) => {
    if (ev.ms !== undefined) {
      stderr.write(`${p.dim('·')} ${ev.step.padEnd(10)} ${p.dim(`${Math.round(ev.ms)} ms`)}${ev.message ? `  ${ev.message}` : ''}\n`);
      lastFraction = -1;
    } else if (ev.message) {
      stderr.write(`${p.dim('·')} ${ev.step.padEnd(10)} ${ev.message}\n`);
    } else if (ev.fraction !== undefined && stderr.isTTY) {
      const pct = Math.floor(ev.fraction * 100);
      if (pct !== lastFraction) {
        stderr.write(`\r${p.dim('·')} ${ev.step.padEnd(10)} ${pct}%\x1b[K`);
        lastFraction = pct;
        if (pct >= 100) stderr.write('\r\x1b[K');
      }
    }
  };
}
