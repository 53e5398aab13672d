/**
 * The CLI's progress renderer (src/cli/_progress.ts): one line per finished step; ticks inside a step (the
 * engine's "level 3/6, iteration 2/5") redraw one line on a terminal and stay out of pipes and logs.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressPrinter } from '../../src/cli/_progress.js';
import type { ProgressEvent } from '../../src/core/progress.js';

function sink(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  let out = '';
  const s = new Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } }) as Writable & { isTTY: boolean; text: () => string };
  s.isTTY = isTTY;
  s.text = () => out;
  return s;
}

const EVENTS: ProgressEvent[] = [
  { step: 'fill', fraction: 0.25, message: 'level 1/2, iteration 1/2' },
  { step: 'fill', fraction: 0.5, message: 'level 1/2, iteration 2/2' },
  { step: 'provider', ms: 812, message: '1 image(s) 64x64' },
  { step: 'session', message: 'step 1 recorded' },
];

describe('progressPrinter', () => {
  it('in a pipe prints finished steps and plain messages, never ticks', () => {
    const err = sink(false);
    const print = progressPrinter(err);
    EVENTS.forEach((e) => print(e));
    expect(err.text()).toBe('· provider   812 ms  1 image(s) 64x64\n· session    step 1 recorded\n');
  });

  it('on a terminal redraws one tick line and wipes it before the step line', () => {
    const err = sink(true);
    const print = progressPrinter(err);
    EVENTS.forEach((e) => print(e));
    // Colour codes aside (painter checks NO_COLOR in the process env), the shape is \r…\x1b[K per tick.
    const plain = err.text().replace(/\x1b\[(?:\d+)m/g, '');
    expect(plain).toBe('\r· fill       25%  level 1/2, iteration 1/2\x1b[K\r· fill       50%  level 1/2, iteration 2/2\x1b[K\r\x1b[K· provider   812 ms  1 image(s) 64x64\n· session    step 1 recorded\n');
  });

  it('is silent with quiet', () => {
    const err = sink(true);
    const print = progressPrinter(err, { quiet: true });
    EVENTS.forEach((e) => print(e));
    expect(err.text()).toBe('');
  });
});
